"""`python -m bot bench`: latency and throughput of the whole stack.

Drives the real bot process, Rasa server and action server through the Bot
API stand-in (loopback only) with N simulated users, users x messages
questions in all, and prints p50/p95 reply latency, messages per second,
unanswered messages, and each process's CPU time per message and peak
memory. It runs in one of two modes, because each answers a different
question:

- Closed loop (the default): each user sends their next message as soon as
  the reply arrives (no thinking time), so N users keep N messages in
  flight and the stack runs flat out. This shows capacity (messages per
  second at saturation); its latency is not what users get, because by
  Little's law it is about N divided by the throughput, whatever the stack.
- Open loop (`--rate R`): messages arrive at R per second in total, a
  Poisson process (exponential gaps from a seeded generator, so a run is
  repeatable), whether or not earlier ones were answered, as from many
  people who pause between questions. Each arrival goes to a simulated
  user who is not waiting for a reply (nobody asks again before the answer
  came); if all N are waiting, it waits for one. Its latency counts from
  when it was due, not from when it was sent, so an overloaded stack shows
  up as latency instead of being hidden by a slower send rate (no
  coordinated omission). This shows the latency users get at that load;
  it also prints the offered rate and the achieved one.

A reply only counts as an answer if it is not the "service is down" apology:
under overload the bot's Rasa timeout turns slow answers into apologies
(and kept questions), which arrive fast and would flatter every figure.
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from core.settings import LANGUAGES, ROOT, TEST_DATA_DIR
from core.strings import t

FALLBACK_QUESTIONS = ["how do I log in to e-mongolia", "картаа хаалгах", "dansaa yaj hamgaalah ve",
                      "I got an SMS saying I won a prize", "hello", "баярлалаа"]
DEFAULT_SEED = 1
ANSWERED, APOLOGISED, UNANSWERED = "answered", "apologised", "unanswered"
R = TypeVar("R")


def arrival_times(rate: float, count: int, seed: int = DEFAULT_SEED) -> list[float]:
    """When `count` messages arrive, in seconds from the start, at `rate` per second on average.

    A Poisson process: independent exponential gaps with mean 1 / rate. The
    same seed gives the same schedule."""
    if rate <= 0:
        raise ValueError(f"rate must be positive, not {rate}")
    rng = random.Random(seed)
    times: list[float] = []
    at = 0.0
    for _ in range(count):
        at += rng.expovariate(rate)
        times.append(at)
    return times


@dataclass(frozen=True)
class Job:
    index: int  # the message's place in the schedule
    user: int  # who sends it
    due: float  # when it arrived (clock time): its latency counts from here


class Dispatcher:
    """Gives each arriving message to a user who is not waiting for a reply.

    Free users take turns (the one free longest goes first). If every user
    is waiting, the message queues, keeping its arrival time, and goes to
    the first user whose reply comes. Not thread-safe by itself: the caller
    holds a lock (`run_open_loop` does)."""

    def __init__(self, users: int) -> None:
        if users < 1:
            raise ValueError("at least one user is needed")
        self.free: deque[int] = deque(range(users))
        self.busy: set[int] = set()
        self.queued: deque[tuple[int, float]] = deque()

    def arrive(self, index: int, due: float) -> Job | None:
        """A message arrives: the job for a free user, or None if it has to wait."""
        if not self.free:
            self.queued.append((index, due))
            return None
        return self._give(self.free.popleft(), index, due)

    def done(self, user: int) -> Job | None:
        """`user` got their reply: their next job (a waiting message), or None and they are free."""
        if user not in self.busy:
            raise ValueError(f"user {user} was not waiting for a reply")
        self.busy.remove(user)
        if self.queued:
            return self._give(user, *self.queued.popleft())
        self.free.append(user)
        return None

    def _give(self, user: int, index: int, due: float) -> Job:
        self.busy.add(user)
        return Job(index, user, due)


def run_open_loop(schedule: list[float], users: int, send: Callable[[int, int], R],
                  clock: Callable[[], float] = time.perf_counter,
                  sleep: Callable[[float], None] = time.sleep) -> list[tuple[Job, R, float]]:
    """Plays `schedule` (seconds from now) with `users` simulated users.

    This thread is the arrival clock: it sleeps until each message is due
    and hands it to a free user (`Dispatcher`). Each user has a thread that
    calls `send(user, index)`, which returns once the reply came (or the
    wait for it ended), then takes a waiting message if there is one.
    Returns (job, what send returned, seconds from due to reply) in the
    order replies came, once every message was sent and its send returned."""
    dispatcher = Dispatcher(users)
    lock = threading.Lock()
    inboxes: list[queue.SimpleQueue[Job | None]] = [queue.SimpleQueue() for _ in range(users)]
    results: list[tuple[Job, R, float]] = []

    def user(n: int) -> None:
        while (job := inboxes[n].get()) is not None:
            while job is not None:
                outcome = send(n, job.index)
                took = clock() - job.due
                with lock:
                    results.append((job, outcome, took))
                    job = dispatcher.done(n)

    threads = [threading.Thread(target=user, args=(n,), name=f"bench-user-{n}", daemon=True)
               for n in range(users)]
    for th in threads:
        th.start()
    start = clock()
    for index, at in enumerate(schedule):
        due = start + at
        wait = due - clock()
        if wait > 0:
            sleep(wait)
        with lock:
            job = dispatcher.arrive(index, due)
        if job is not None:
            inboxes[job.user].put(job)
    # A user reads the end only when free, and waiting messages go to busy
    # users as they finish, so every message is sent before the threads end.
    for inbox in inboxes:
        inbox.put(None)
    for th in threads:
        th.join()
    return results


def questions() -> list[str]:
    path = TEST_DATA_DIR / "nlu_eval.yml"
    if path.exists():
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        texts = [str(i["text"]) for i in items if i.get("text")]
        if texts:
            return texts
    return FALLBACK_QUESTIONS


def memory_mb(field: str, pid: int | str = "self") -> float | None:
    """A memory field of /proc/<pid>/status in MB (VmHWM: peak resident, VmRSS: now); Linux."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def peak_rss_mb(pid: int) -> float | None:
    return memory_mb("VmHWM", pid)


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot bench")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10, help="messages per user (users x messages in all)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one reply")
    parser.add_argument("--rate", type=float, default=None,
                        help="open loop: messages per second offered in total, Poisson arrivals "
                             "(default: closed loop, each user sends again as soon as the reply came)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed of the --rate arrivals")
    parser.add_argument("--flood", action="store_true",
                        help="one user sends 100 messages at once while 20 ask normally, then 50 users x 5 "
                             "messages at once: false apologies, lost messages, others' p95 (bot/bench_flood.py)")
    return parser


def _start_bot(api: Any, stack: Any, work: Path) -> subprocess.Popen:
    """The bot as in production, against the stand-in."""
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url, RASA_URL=stack.rasa_url,
               ACTIONS_URL=stack.actions_url, RASA_AUTH_TOKEN=stack.token or "",
               DATABASE_URL=f"sqlite:///{work / 'bot.db'}", STATE_DIR=str(work), LOG_LEVEL="WARNING")
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--no-services"], cwd=ROOT, env=env,
                            stdout=open(work / "bot.log", "wb"), stderr=subprocess.STDOUT)


def _bot_ready(api: Any, bot: subprocess.Popen, work: Path) -> bool:
    """Waits for the bot's first call (getMe); False, with its log, if it died first."""
    while not any(s.method == "getMe" for s in api.sent):
        if bot.poll() is not None:
            print((work / "bot.log").read_text()[-2000:], file=sys.stderr)
            return False
        time.sleep(0.1)
    return True


def _play(args: argparse.Namespace, api: Any, texts: list[str]) -> list[tuple[str, float]]:
    """Every user's messages, closed or open loop: (answered/apologised/unanswered, seconds) each."""
    sorry = apologies()
    outcomes: list[tuple[str, float]] = []
    lock = threading.Lock()

    def ask(n: int, text: str) -> str:
        """User n sends text and waits for the bot's first reply."""
        user_id = 900_000 + n
        mark = api.mark()
        api.send_text(user_id, text)
        try:
            reply = api.wait_for(user_id, after=mark, timeout=args.timeout)[0]
        except AssertionError:
            return UNANSWERED
        return APOLOGISED if reply.text in sorry else ANSWERED

    def closed_loop_user(n: int) -> None:
        for m in range(args.messages):
            sent_at = time.perf_counter()
            outcome = ask(n, texts[(n * args.messages + m) % len(texts)])
            took = time.perf_counter() - sent_at
            with lock:
                outcomes.append((outcome, took))

    if args.rate is None:
        threads = [threading.Thread(target=closed_loop_user, args=(n,)) for n in range(args.users)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return outcomes
    schedule = arrival_times(args.rate, args.users * args.messages, args.seed)
    played = run_open_loop(schedule, args.users, lambda n, index: ask(n, texts[index % len(texts)]))
    return [(outcome, took) for _, outcome, took in played]


def _report(args: argparse.Namespace, outcomes: list[tuple[str, float]], wall: float,
            pids: dict[str, int | None], cpu_before: dict[str, float | None]) -> int:
    """The figures; exit status 1 when a message went unanswered or was apologised for."""
    total = args.users * args.messages
    latencies = [took for outcome, took in outcomes if outcome == ANSWERED]
    apologised = sum(outcome == APOLOGISED for outcome, _ in outcomes)
    unanswered = total - len(latencies) - apologised
    print(f"users {args.users}, messages {total}, wall time {wall:.1f} s")
    if args.rate is not None:
        print(f"offered {args.rate:g} messages/s (Poisson), achieved {len(latencies) / wall:.1f} messages/s")
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


def main(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.users < 1 or args.messages < 1:
        parser.error("--users and --messages must be at least 1")
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate must be positive")

    from bot.services import Stack
    from tests.conftest import free_port
    from tests.telegram_standin import BotApiStandIn

    work = Path(tempfile.mkdtemp(prefix="khotoch-bench-"))
    api = BotApiStandIn().start()
    stack = Stack(f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}", state_dir=work)
    print("starting Rasa and the action server ...", file=sys.stderr)
    stack.ensure()
    bot = _start_bot(api, stack, work)
    try:
        if not _bot_ready(api, bot, work):
            return 1
        texts = questions()
        if args.flood:
            from bot.bench_flood import Flood

            return 0 if Flood(api, texts, args.timeout, args.seed).run() else 1
        pids = {"bot": bot.pid, "action server": stack.started[0].pid if stack.started else None,
                "rasa server": stack.started[-1].pid if len(stack.started) > 1 else None,
                "bench (stand-in, users)": os.getpid()}
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items() if pid}
        started = time.perf_counter()
        outcomes = _play(args, api, texts)
        return _report(args, outcomes, time.perf_counter() - started, pids, cpu_before)
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
        # Its own databases, conversations and logs: nothing of the run stays behind.
        shutil.rmtree(work, ignore_errors=True)
