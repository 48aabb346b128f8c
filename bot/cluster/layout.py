"""Where every process of the scale-out cluster listens: one table for the local
cluster (`python -m bot cluster up`) and the compose file.

Each tier has a replica count, its in-container port (what docker-compose.yml
uses) and, on one machine, loopback ports counted from CLUSTER_PORT_BASE: the
balancer's port first, then one per replica. tests/test_cluster_layout.py
checks docker-compose.yml against this table, so the two cannot drift.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.settings import STATE_DIR

PORT_BASE = int(os.environ.get("CLUSTER_PORT_BASE", 15000))
REPLICAS = int(os.environ.get("CLUSTER_REPLICAS", 2))


@dataclass(frozen=True)
class Tier:
    name: str  # also the compose service's name
    container_port: int  # the port inside its container (compose), the default single-machine port
    offset: int  # loopback: balancer at base + offset, replica i at base + offset + i
    health: str  # the path the balancer and compose check (answers without a token)
    # A second port for the health check, when the service's own port has no such route.
    health_offset: int | None = None
    container_health_port: int | None = None


# The bot's webhook server takes only Telegram's updates; its /health has its own port (bot/health.py).
TIERS = (
    Tier("actions", 5055, 55, "/health"),
    Tier("rasa", 5005, 5, "/"),
    Tier("bot", 8443, 443, "/health", health_offset=80, container_health_port=8080),
)


@dataclass(frozen=True)
class Layout:
    state_dir: Path = STATE_DIR / "cluster"
    port_base: int = PORT_BASE
    replicas: int = REPLICAS

    @property
    def postgres_port(self) -> int:
        return self.port_base + 432

    @property
    def redis_port(self) -> int:
        return self.port_base + 379

    @staticmethod
    def tier(name: str) -> Tier:
        return next(t for t in TIERS if t.name == name)

    def balancer_port(self, tier: str) -> int:
        return self.port_base + self.tier(tier).offset

    def port(self, tier: str, replica: int) -> int:
        """Replica 1, 2, ... of a tier."""
        return self.balancer_port(tier) + replica

    def health_port(self, tier: str, replica: int) -> int:
        t = self.tier(tier)
        if t.health_offset is None:
            return self.port(tier, replica)
        return self.port_base + t.health_offset + replica

    def url(self, tier: str, replica: int | None = None) -> str:
        """The balancer's address (replica None) or one replica's."""
        port = self.balancer_port(tier) if replica is None else self.port(tier, replica)
        return f"http://127.0.0.1:{port}"

    def ports(self) -> list[int]:
        """Every port the cluster listens on."""
        out = [self.postgres_port, self.redis_port]
        for t in TIERS:
            out.append(self.balancer_port(t.name))
            for i in range(1, self.replicas + 1):
                out.append(self.port(t.name, i))
                if t.health_offset is not None:
                    out.append(self.health_port(t.name, i))
        return out

    def names(self, tier: str) -> list[str]:
        return [f"{tier}-{i}" for i in range(1, self.replicas + 1)]
