"""`python -m bot bench --flood`: what a flood does to the flooder and to everyone else.

Run against the same stack as the other bench modes (bot/bench.py starts
it). Three phases, each with fresh user ids so no limit state carries over:

1. Baseline: 20 users ask normally (a question, the answer, a short pause,
   the next question); their reply latency p95.
2. Flood: the same, while one more user sends 100 messages at once.
   Printed: the flooder's answers, lost messages (100 minus answers), false
   apologies (the outage apology, though nothing was down) and "please
   wait" notices; the other users' p95 against the baseline.
3. Burst: 50 users send 5 messages each, all at once: apologies and lost.

Answers are counted as messages, so the flood uses questions that get
exactly one message each (checked first, and printed). Targets (issue 15):
0 false apologies, 0 lost, the others' p95 within 2x of the baseline.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Config
from core.settings import LANGUAGES
from core.strings import t

# Candidates for the flood: FAQ questions, each answered by one message.
FLOOD_QUESTIONS = ["how do I block my card", "how do I log in to e-mongolia",
                   "what is the deposit insurance limit", "how do I report fraud to the police",
                   "how do I change my card PIN", "dansaa yaj hamgaalah ve"]
NORMAL_USERS, NORMAL_MESSAGES = 20, 5
FLOOD_MESSAGES = 100
BURST_USERS, BURST_MESSAGES = 50, 5
SETTLE_SECONDS = 5.0  # quiet time after the last expected answer, for late or duplicate ones


@dataclass
class Tally:
    answers: int = 0
    apologies: int = 0
    notices: int = 0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Flood:
    def __init__(self, api, texts: list[str], timeout: float, seed: int = 1) -> None:
        self.api = api
        self.texts = texts
        self.timeout = timeout
        self.rng = random.Random(seed)
        self.sorry = {t(lang, "bot.service_down") for lang in LANGUAGES}
        self.wait_notice = {t(lang, "delivery.please_wait") for lang in LANGUAGES}

    def tally(self, user: int) -> Tally:
        out = Tally()
        for sent in self.api.messages_to(user, "sendMessage"):
            if sent.text in self.sorry:
                out.apologies += 1
            elif sent.text in self.wait_notice:
                out.notices += 1
            else:
                out.answers += 1
        return out

    def single_reply_questions(self, first_user: int) -> list[str]:
        """The flood questions that get exactly one message (a multi-message answer would miscount)."""
        keep: list[str] = []
        for n, question in enumerate(FLOOD_QUESTIONS):
            user = first_user + n
            self.api.send_text(user, question)
            try:
                self.api.wait_for(user, timeout=self.timeout)
            except AssertionError:
                continue
            time.sleep(1.5)
            if self.tally(user).answers == 1:
                keep.append(question)
        return keep

    def normal_users(self, first_user: int, latencies: list[float],
                     stop_sorry: list[int]) -> list[threading.Thread]:
        """NORMAL_USERS people asking one question at a time, with a pause of 0.5 to 1.5 s."""
        lock = threading.Lock()
        pauses = [[self.rng.uniform(0.5, 1.5) for _ in range(NORMAL_MESSAGES)] for _ in range(NORMAL_USERS)]

        def user(n: int) -> None:
            user_id = first_user + n
            for m in range(NORMAL_MESSAGES):
                time.sleep(pauses[n][m])
                mark = self.api.mark()
                started = time.perf_counter()
                self.api.send_text(user_id, self.texts[(n * NORMAL_MESSAGES + m) % len(self.texts)])
                try:
                    reply = self.api.wait_for(user_id, after=mark, timeout=self.timeout)[0]
                except AssertionError:
                    continue
                took = time.perf_counter() - started
                with lock:
                    if reply.text in self.sorry:
                        stop_sorry[0] += 1
                    else:
                        latencies.append(took)

        return [threading.Thread(target=user, args=(n,), daemon=True) for n in range(NORMAL_USERS)]

    @staticmethod
    def run_all(threads: list[threading.Thread]) -> None:
        for th in threads:
            th.start()
        for th in threads:
            th.join()

    def wait_answers(self, users: list[int], each: int, deadline: float) -> None:
        """Until every user has `each` answers (or the deadline), then a quiet spell for strays."""
        while time.monotonic() < deadline and any(self.tally(u).answers < each for u in users):
            time.sleep(0.5)
        time.sleep(SETTLE_SECONDS)

    def run(self, print_: Callable[[str], None] = print) -> bool:
        per_minute = Config.from_env().user_messages_per_minute
        flood_texts = self.single_reply_questions(700_000)
        if not flood_texts:
            print_("flood: no question got exactly one reply; cannot count answers")
            return False
        print_(f"flood questions (one reply each): {', '.join(flood_texts)}")

        base: list[float] = []
        base_sorry = [0]
        self.run_all(self.normal_users(710_000, base, base_sorry))

        flooder = 800_000
        with_flood: list[float] = []
        flood_sorry = [0]
        others = self.normal_users(720_000, with_flood, flood_sorry)
        started = time.monotonic()
        for m in range(FLOOD_MESSAGES):
            self.api.send_text(flooder, flood_texts[m % len(flood_texts)])
        sent_in = time.monotonic() - started
        self.run_all(others)
        # Over the limit, the flooder's messages are handled at `per_minute`.
        backlog = max(0, FLOOD_MESSAGES - per_minute) * 60 / per_minute if per_minute > 0 else 0
        self.wait_answers([flooder], FLOOD_MESSAGES, started + backlog + 90)
        flood = self.tally(flooder)
        done_in = time.monotonic() - started

        burst_users = [730_000 + n for n in range(BURST_USERS)]
        started = time.monotonic()
        for m in range(BURST_MESSAGES):
            for user in burst_users:
                self.api.send_text(user, flood_texts[(user + m) % len(flood_texts)])
        self.wait_answers(burst_users, BURST_MESSAGES, started + 120)
        burst = [self.tally(u) for u in burst_users]
        burst_answers = sum(b.answers for b in burst)
        burst_apologies = sum(b.apologies for b in burst)
        burst_total = BURST_USERS * BURST_MESSAGES

        p95_base = percentile(base, 0.95) if base else float("nan")
        p95_flood = percentile(with_flood, 0.95) if with_flood else float("nan")
        ratio = p95_flood / p95_base if base and with_flood else float("nan")
        lost = max(0, FLOOD_MESSAGES - flood.answers)
        print_(f"flood: 1 user sent {FLOOD_MESSAGES} messages in {sent_in:.2f} s, while {NORMAL_USERS} users "
               f"asked {NORMAL_MESSAGES} questions each (limit {per_minute} messages/minute a user)")
        print_(f"  flooder: answered {flood.answers}/{FLOOD_MESSAGES}, lost {lost}, "
               f"duplicates {max(0, flood.answers - FLOOD_MESSAGES)}, false apologies {flood.apologies}, "
               f"please-wait notices {flood.notices}, all answered after {done_in:.0f} s")
        print_(f"  other users: p95 {p95_base * 1000:.0f} ms without the flood "
               f"(p50 {statistics.median(base) * 1000:.0f} ms, {len(base)} answers, {base_sorry[0]} apologies), "
               f"p95 {p95_flood * 1000:.0f} ms with it (p50 {statistics.median(with_flood) * 1000:.0f} ms, "
               f"{len(with_flood)} answers, {flood_sorry[0]} apologies): {ratio:.2f}x")
        print_(f"burst: {BURST_USERS} users x {BURST_MESSAGES} messages at once: "
               f"answered {burst_answers}/{burst_total}, apologies {burst_apologies}, "
               f"lost {max(0, burst_total - burst_answers)}")
        met = (flood.apologies == 0 and flood_sorry[0] == 0 and lost == 0 and burst_apologies == 0
               and burst_answers >= burst_total and ratio <= 2.0)
        print_(f"targets (0 false apologies, 0 lost, others' p95 within 2x): {'met' if met else 'NOT met'}")
        return met
