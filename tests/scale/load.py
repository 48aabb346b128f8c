"""Simulated chats for the scale test: what they asked, what reached them, and when.

Each chat asks questions of a small pool (FAQ questions) once each, in its own shuffled
order, two at a time (the second while the first is still being answered,
so a chat's order is really at stake), and waits for both answers before the
next two. Answers are told apart by a "key text": a message the bot sent for
that question, and for no other, when each was asked once in a fresh chat
(calibration). The Bot API stand-in records every message with its arrival
time; one reader thread files them by chat, so a hundred waiting chats cost
nothing.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.bench import apologies, percentile
from core.strings import t as text_of
from tests.telegram_standin import BotApiStandIn, Sent


def candidates(faq_dir: Path, count: int) -> list[str]:
    """One English question of each of `count` FAQ entries, from different files in turn.

    Only questions of more than six words: a shorter one may be read as a
    follow-up of the previous answer, which depends on what came before.
    """
    per_file = []
    for path in sorted(faq_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found = []
        for entry in data.get("entries") or []:
            english = ((entry.get("questions") or {}).get("en")) or []
            long = [q for q in english if len(q.split()) > 6]
            if long:
                found.append(long[0])
        if found:
            per_file.append(found)
    ordered = [q for row in itertools.zip_longest(*per_file) for q in row if q]
    return ordered[:count]


class Inbox:
    """Files the stand-in's messages by chat as they arrive."""

    def __init__(self, api: BotApiStandIn) -> None:
        self.api = api
        self.by_chat: dict[int, list[Sent]] = defaultdict(list)
        self.changed = threading.Condition()
        self._seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True, name="inbox")
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.wait(0.02):
            with self.api._lock:  # noqa: SLF001 - the stand-in's own list, read in one go
                new = self.api.sent[self._seen:]
                self._seen += len(new)
            if new:
                with self.changed:
                    for s in new:
                        if s.method == "sendMessage" and s.chat_id is not None:
                            self.by_chat[s.chat_id].append(s)
                    self.changed.notify_all()

    def texts(self, chat: int) -> list[Sent]:
        with self.changed:
            return list(self.by_chat.get(chat, []))

    def wait(self, ready: Callable[[], bool], timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(ready, timeout)

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Keys:
    """The key text of each question, and every text calibration saw."""

    key: dict[str, str]
    known: set[str]

    def question_of(self, text: str) -> str | None:
        """The question a message answers (directly, or as a kept answer), else None."""
        for question, key in self.key.items():
            if key == text or (is_kept(text) and text.endswith(key)):
                return question
        return None


# A question Rasa could not answer (its replica died holding the chat's lock)
# is kept, and its answer arrives later opening with this (docs/delivery.md).
KEPT = text_of("en", "bot.pending_intro", question="\x00").split("\x00")[0]


def is_kept(text: str) -> bool:
    return text.startswith(KEPT)


def calibrate(ask: Callable[[int, str], None], inbox: Inbox, questions: list[str], first_chat: int,
              quiet: float = 2.0, timeout: float = 120.0) -> Keys:
    """Asks each question once in a fresh chat; a key text for each question that has one.

    A question the bot is unsure of (it offers choices) shares its texts
    with others and is left out.
    """
    chats = {q: first_chat + i for i, q in enumerate(questions)}
    for question, chat in chats.items():
        ask(chat, question)
    assert inbox.wait(lambda: all(inbox.by_chat.get(c) for c in chats.values()), timeout), \
        "calibration questions were not answered"
    time.sleep(quiet)  # the later parts of each answer
    got = {q: [s.text for s in inbox.texts(c)] for q, c in chats.items()}
    sorry = apologies()
    assert not any(t in sorry for texts in got.values() for t in texts), f"apologies in calibration: {got}"
    counts = defaultdict(int)
    for texts in got.values():
        for t in set(texts):
            counts[t] += 1
    key = {}
    for question, texts in got.items():
        own = [t for t in texts if counts[t] == 1]
        if own:
            key[question] = own[0]
    return Keys(key, {t for texts in got.values() for t in texts})


@dataclass
class Chat:
    chat_id: int
    order: list[str]
    asked_at: dict[str, float] = field(default_factory=dict)
    update_ids: dict[str, int] = field(default_factory=dict)


@dataclass
class Result:
    chats: list[Chat]
    started: float
    ended: float
    latencies: list[float]
    problems: list[str]
    kept: int = 0  # answered later, after an apology
    twice: int = 0  # answered again after the replica answering it was killed

    @property
    def questions(self) -> int:
        return sum(len(c.asked_at) for c in self.chats)

    def line(self, label: str) -> str:
        seconds = self.ended - self.started
        lat = sorted(self.latencies)
        p50 = percentile(lat, 0.5) * 1000 if lat else float("nan")
        p95 = percentile(lat, 0.95) * 1000 if lat else float("nan")
        return (f"{label}: {self.questions} questions from {len(self.chats)} chats in {seconds:.1f} s: "
                f"{self.questions / seconds:.1f} answers/s, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
                f"{self.kept} answered later after an apology, {self.twice} answered twice "
                f"(in flight in the killed replica)")


def run(ask: Callable[[int, str], int | None], inbox: Inbox, keys: Keys, chats: int, per_chat: int,
        first_chat: int, burst: int = 2, active: int = 10, seed: int = 1, timeout: float = 120.0,
        on_answered: Callable[[int], None] | None = None,
        apologies_from: Callable[[], float | None] = lambda: None,
        in_flight_at_kill: Callable[[], set[int]] = set) -> Result:
    """`active` chats at a time send their next `burst` questions (the others wait their
    turn, as people pause between questions): enough to keep every replica busy
    without burying a two-core machine under hundreds of questions at once."""
    rng = random.Random(seed)
    pool = list(keys.key)
    assert len(pool) >= per_chat, f"only {len(pool)} questions have an answer of their own: {pool}"
    people = [Chat(first_chat + n, rng.sample(pool, min(per_chat, len(pool)))) for n in range(chats)]
    answered = itertools.count(1)
    lock = threading.Lock()
    problems: list[str] = []
    turns = threading.BoundedSemaphore(active)
    given_up = threading.Event()  # one chat timed out: the others stop, the run fails fast

    def count_keys(chat: Chat) -> int:
        return sum(1 for s in inbox.by_chat.get(chat.chat_id, []) if keys.question_of(s.text))

    def person(chat: Chat) -> None:
        for start in range(0, len(chat.order), burst):
            if given_up.is_set():
                return
            group = chat.order[start:start + burst]
            want = start + len(group)
            with turns:
                for question in group:
                    chat.asked_at[question] = time.monotonic()
                    update_id = ask(chat.chat_id, question)
                    if update_id is not None:
                        chat.update_ids[question] = update_id
                arrived = inbox.wait(lambda want=want: count_keys(chat) >= want, timeout)
            if not arrived:
                given_up.set()
                with lock:
                    problems.append(f"chat {chat.chat_id}: {count_keys(chat)} of {want} answers "
                                    f"after {timeout:.0f} s")
                return
            for _ in group:
                n = next(answered)
                if on_answered is not None:
                    on_answered(n)

    started = time.monotonic()
    threads = [threading.Thread(target=person, args=(c,), daemon=True) for c in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(3)  # room for a late duplicate to arrive
    return check(people, inbox, keys, started, problems, apologies_from(), in_flight_at_kill())


def check(people: list[Chat], inbox: Inbox, keys: Keys, started: float, problems: list[str],
          apologies_from: float | None = None, in_flight: set[int] | None = None) -> Result:
    """Every question answered exactly once; a chat's answers in the order asked.

    An answer kept during an outage (after an apology) arrives later by
    design, opening with "Earlier you asked"; it must still come exactly
    once, and apologies may only come at or after `apologies_from` (the kill).

    The one duplicate the design allows (docs/deployment.md): an update the
    killed bot replica was answering when it died may be answered again by
    the replica that takes it over (`in_flight`: those updates). Each such
    second answer is counted, and allowed only right after the first.
    """
    in_flight = in_flight or set()
    twice = 0
    latencies: list[float] = []
    ended = started
    sorry = apologies()
    kept_total = 0
    for chat in people:
        got = inbox.texts(chat.chat_id)
        answers = [(keys.question_of(s.text), s) for s in got]
        direct = [q for q, s in answers if q and not is_kept(s.text)]
        for n in range(len(direct) - 1, 0, -1):
            if direct[n] == direct[n - 1] and chat.update_ids.get(direct[n]) in in_flight:
                del direct[n]
                twice += 1
        kept = [q for q, s in answers if q and is_kept(s.text)]
        kept_total += len(kept)
        asked = [q for q in chat.order if q in chat.asked_at]
        if sorted(direct + kept) != sorted(asked):
            problems.append(f"chat {chat.chat_id}: asked {asked}, answered {direct} and later {kept}")
        if direct != [q for q in asked if q in direct]:
            problems.append(f"chat {chat.chat_id}: answers out of order: asked {asked}, answered {direct}")
        apologised = [s for s in got if s.text in sorry]
        if len(apologised) != len(kept):
            problems.append(f"chat {chat.chat_id}: {len(apologised)} apologies, {len(kept)} kept answers")
        if apologised and (apologies_from is None or apologised[0].at < apologies_from):
            problems.append(f"chat {chat.chat_id}: an apology when nothing had failed")
        for s in got:
            if s.text not in sorry and s.text not in keys.known and not is_kept(s.text):
                problems.append(f"chat {chat.chat_id}: unexpected message {s.text[:80]!r}")
        for question, s in answers:
            if question and question in chat.asked_at:
                latencies.append(s.at - chat.asked_at[question])
                ended = max(ended, s.at)
    return Result(people, started, ended, latencies, problems, kept_total, twice)
