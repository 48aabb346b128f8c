"""`python -m bot cluster up|down|status [--state DIR]` (bot/cluster/cluster.py), and
`python -m bot cluster compose`: writes deploy/haproxy.cfg, the compose file's balancer,
from the same table (bot/cluster/layout.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cluster.layout import Layout


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot cluster",
                                     description="the scale-out cluster on this machine, on loopback")
    parser.add_argument("action", choices=("up", "down", "status", "compose"))
    parser.add_argument("--state", type=Path, help=f"its state folder (default {Layout().state_dir})")
    args = parser.parse_args(argv)
    from bot.cluster.cluster import COMPOSE_BALANCER, Cluster, haproxy_config

    if args.action == "compose":
        COMPOSE_BALANCER.write_text(haproxy_config(Layout(), compose=True), encoding="utf-8")
        print(f"wrote {COMPOSE_BALANCER}")
        return 0

    cluster = Cluster(Layout(state_dir=args.state) if args.state else Layout())
    if args.action == "up":
        cluster.up()
    elif args.action == "down":
        cluster.down()
    else:
        for name, alive in cluster.status().items():
            print(f"{name}: {'running' if alive else 'stopped'}")
    return 0
