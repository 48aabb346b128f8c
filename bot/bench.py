"""`python -m bot bench`: latency and throughput of the whole stack.

Drives the real bot process, Rasa server and action server through the Bot
API stand-in (loopback only) with N simulated users who each send M
questions, waiting for each reply like a person would, and prints p50/p95
reply latency, messages per second, unanswered messages, and each process's
CPU time per message and peak memory.

A reply only counts as an answer if it is not the "service is down" apology:
under overload the bot's Rasa timeout turns slow answers into apologies
(and kept questions), which arrive fast and would flatter every figure.
Users send their next message as soon as the reply arrives (no thinking
time), so N users keep N messages in flight: by Little's law the latency
is about N divided by the throughput.
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

from actions.settings import LANGUAGES, ROOT, TEST_DATA_DIR
from actions.strings import t

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


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def apologies() -> set[str]:
    return {t(lang, "bot.service_down") for lang in LANGUAGES}


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
        sorry = apologies()
        latencies: list[float] = []
        unanswered = apologised = 0
        lock = threading.Lock()

        def user(n: int) -> None:
            nonlocal unanswered, apologised
            user_id = 900_000 + n
            for m in range(args.messages):
                text = texts[(n * args.messages + m) % len(texts)]
                mark = api.mark()
                sent_at = time.perf_counter()
                api.send_text(user_id, text)
                try:
                    reply = api.wait_for(user_id, after=mark, timeout=args.timeout)[0]
                except AssertionError:
                    with lock:
                        unanswered += 1
                    continue
                took = time.perf_counter() - sent_at
                with lock:
                    if reply.text in sorry:
                        apologised += 1
                    else:
                        latencies.append(took)

        pids = {"bot": bot.pid, "action server": stack.started[0].pid if stack.started else None,
                "rasa server": stack.started[-1].pid if len(stack.started) > 1 else None,
                "bench (stand-in, users)": os.getpid()}
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items() if pid}
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
              f"apologised (timed out) {apologised}, unanswered {unanswered}")
        for name, before in cpu_before.items():
            after = cpu_seconds(pids[name])
            if before is not None and after is not None:
                print(f"cpu {name}: {(after - before) / total * 1000:.0f} ms per message")
        for name in ("bot", "action server", "rasa server"):
            if pids[name]:
                print(f"peak memory {name}: {peak_rss_mb(pids[name]):.0f} MB")
        return 0 if unanswered == apologised == 0 else 1
    finally:
        bot.terminate()
        try:
            bot.wait(15)
        except subprocess.TimeoutExpired:
            # Still working through kept questions: the services must stop all the same.
            bot.kill()
            bot.wait()
        stack.stop()
        api.stop()
