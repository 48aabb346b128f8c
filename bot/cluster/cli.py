"""`python -m bot cluster up|down|status [--state DIR]` (bot/cluster/cluster.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cluster.layout import Layout


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot cluster",
                                     description="the scale-out cluster on this machine, on loopback")
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--state", type=Path, help=f"its state folder (default {Layout().state_dir})")
    args = parser.parse_args(argv)
    from bot.cluster.cluster import Cluster

    cluster = Cluster(Layout(state_dir=args.state) if args.state else Layout())
    if args.action == "up":
        cluster.up()
    elif args.action == "down":
        cluster.down()
    else:
        for name, alive in cluster.status().items():
            print(f"{name}: {'running' if alive else 'stopped'}")
    return 0
