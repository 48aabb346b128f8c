"""docker-compose.yml against the table the tested cluster runs from (bot/cluster/layout.py).

Docker does not run here, so the compose file is never started by a test;
what keeps it honest is that `make test-scale` runs the same tiers, replica
counts, ports, health checks and balancer, and this file fails when the
compose file says otherwise.
"""

from __future__ import annotations

import yaml

from bot.cluster.cluster import COMPOSE_BALANCER, haproxy_config
from bot.cluster.layout import TIERS, Layout
from core.settings import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]


def test_the_compose_balancer_is_generated_from_the_table() -> None:
    assert COMPOSE_BALANCER.read_text(encoding="utf-8") == haproxy_config(Layout(), compose=True), \
        "deploy/haproxy.cfg is stale: run `python -m bot cluster compose`"
    assert "./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in SERVICES["balancer"]["volumes"]


def test_every_tier_runs_as_many_replicas_on_the_same_ports_as_the_tested_cluster() -> None:
    for tier in TIERS:
        service = SERVICES[tier.name]
        assert service["deploy"]["replicas"] == Layout().replicas, tier.name
        health = " ".join(service["healthcheck"]["test"])
        port = tier.container_health_port or tier.container_port
        assert f"localhost:{port}{tier.health}" in health, (tier.name, health)
    assert "--port 5005" in SERVICES["rasa"]["command"] and "--port 5055" in SERVICES["actions"]["command"]
    assert SERVICES["bot"]["environment"]["HEALTH_PORT"] == str(Layout.tier("bot").container_health_port)
    # Only the balancer is published: Telegram reaches the bots through it.
    assert SERVICES["balancer"]["ports"] == [f"{Layout.tier('bot').container_port}:8443"]
    assert "ports" not in SERVICES["bot"]


def test_replicas_talk_to_each_other_through_the_balancer() -> None:
    env = SERVICES["bot"]["environment"]
    assert env["RASA_URL"] == "http://balancer:5005" and env["ACTIONS_URL"] == "http://balancer:5055"
    endpoints = yaml.safe_load((ROOT / "deploy" / "endpoints.scale.yml").read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["url"] == "http://balancer:5055/webhook"
    assert endpoints["lock_store"]["type"] == "redis"


def test_every_service_restarts_and_has_a_health_check() -> None:
    for name, service in SERVICES.items():
        assert service.get("restart") == "unless-stopped", name
        assert service.get("healthcheck", {}).get("test"), name
