"""`python -m bot bench`: latency and throughput of the whole stack.

Drives the real bot process, Rasa server and action server through the Bot
API stand-in (loopback only) with N simulated users who each send M
questions, waiting for each reply like a person would, and prints p50/p95
reply latency, messages per second, unanswered messages and each process's
peak memory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from actions.settings import ROOT, TEST_DATA_DIR

FALLBACK_QUESTIONS = ["how do I log in to e-mongolia", "картаа хаалгах", "dansaa yaj hamgaalah ve",
                      "I got an SMS saying I won a prize", "hello", "баярлалаа"]


def questions() -> list[str]:
    path = TEST_DATA_DIR / "nlu_eval.yml"
    if path.exists():
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        texts = [str(i["text"]) for i in items if i.get("text")]
        if texts:
            return texts
    return FALLBACK_QUESTIONS


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot bench")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10, help="messages per user")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one reply")
    args = parser.parse_args(argv)

    from bot.services import Stack
    from tests.conftest import free_port
    from tests.telegram_standin import BotApiStandIn

    work = Path(tempfile.mkdtemp(prefix="khotoch-bench-"))
    api = BotApiStandIn().start()
    stack = Stack(f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}", state_dir=work)
    print("starting Rasa and the action server ...", file=sys.stderr)
    stack.ensure()
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url, RASA_URL=stack.rasa_url,
               ACTIONS_URL=stack.actions_url, DATABASE_URL=f"sqlite:///{work / 'bot.db'}",
               STATE_DIR=str(work), LOG_LEVEL="WARNING")
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run", "--no-services"], cwd=ROOT, env=env,
                           stdout=open(work / "bot.log", "wb"), stderr=subprocess.STDOUT)
    try:
        while not any(s.method == "getMe" for s in api.sent):
            if bot.poll() is not None:
                print((work / "bot.log").read_text()[-2000:], file=sys.stderr)
                return 1
            time.sleep(0.1)
        texts = questions()
        latencies: list[float] = []
        unanswered = 0
        lock = threading.Lock()

        def user(n: int) -> None:
            nonlocal unanswered
            user_id = 900_000 + n
            for m in range(args.messages):
                text = texts[(n * args.messages + m) % len(texts)]
                mark = api.mark()
                sent_at = time.perf_counter()
                api.send_text(user_id, text)
                try:
                    api.wait_for(user_id, after=mark, timeout=args.timeout)
                    took = time.perf_counter() - sent_at
                    with lock:
                        latencies.append(took)
                except AssertionError:
                    with lock:
                        unanswered += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - started
        total = args.users * args.messages
        print(f"users {args.users}, messages {total}, wall time {wall:.1f} s")
        if latencies:
            print(f"reply latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
                  f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
        print(f"throughput {len(latencies) / wall:.1f} messages/s; answered {len(latencies)}/{total}, "
              f"unanswered {unanswered}")
        for name, pid in (("bot", bot.pid), ("action server", stack.started[0].pid if stack.started else None),
                          ("rasa server", stack.started[-1].pid if len(stack.started) > 1 else None)):
            if pid:
                print(f"peak memory {name}: {peak_rss_mb(pid):.0f} MB")
        return 0 if unanswered == 0 else 1
    finally:
        bot.terminate()
        bot.wait(15)
        stack.stop()
        api.stop()
