"""The open-loop benchmark's scheduling, without the stack: Poisson arrivals,
messages only to users who are not waiting for a reply, latency from when a
message was due (no coordinated omission)."""

from __future__ import annotations

import statistics
import threading
import time

import pytest

from bot.bench import DEFAULT_SEED, Dispatcher, Job, arrival_times, run_open_loop


class FakeClock:
    """Time that only moves when told to: `sleep` and the fake sends move it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds

    sleep = advance


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip([0.0, *times], times)]


def test_arrival_gaps_have_the_mean_of_the_rate() -> None:
    times = arrival_times(30, 20_000, seed=DEFAULT_SEED)
    assert len(times) == 20_000
    assert all(g > 0 for g in gaps(times))
    mean = statistics.fmean(gaps(times))
    assert mean == pytest.approx(1 / 30, rel=0.03)
    # Exponential gaps: the standard deviation equals the mean (not evenly spaced).
    assert statistics.pstdev(gaps(times)) == pytest.approx(mean, rel=0.05)
    assert times[-1] == pytest.approx(20_000 / 30, rel=0.03)


def test_the_same_seed_gives_the_same_schedule() -> None:
    assert arrival_times(30, 500, seed=7) == arrival_times(30, 500, seed=7)
    assert arrival_times(30, 500) == arrival_times(30, 500, seed=DEFAULT_SEED)
    assert arrival_times(30, 500, seed=7) != arrival_times(30, 500, seed=8)


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        arrival_times(0, 10)


def test_dispatcher_queues_when_every_user_is_busy_and_keeps_the_due_time() -> None:
    d = Dispatcher(2)
    first = d.arrive(0, due=0.0)
    second = d.arrive(1, due=0.1)
    assert first is not None and second is not None
    assert {first.user, second.user} == {0, 1}
    assert d.arrive(2, due=0.2) is None  # both are waiting for a reply
    assert d.arrive(3, due=0.3) is None
    # The first reply frees user 0, who takes the oldest waiting message, still due at 0.2.
    assert d.done(first.user) == Job(2, first.user, 0.2)
    assert d.done(second.user) == Job(3, second.user, 0.3)
    assert d.done(first.user) is None
    assert d.done(second.user) is None
    # Free again: the user free longest goes first.
    assert d.arrive(4, due=1.0) == Job(4, first.user, 1.0)


def test_dispatcher_never_gives_a_message_to_a_busy_user() -> None:
    d = Dispatcher(3)
    busy: set[int] = set()
    # A made-up sequence of arrivals and replies.
    for step in range(300):
        if step % 3 != 2:
            job = d.arrive(step, due=float(step))
            if job is not None:
                assert job.user not in busy
                busy.add(job.user)
        elif busy:
            user = min(busy)
            busy.remove(user)
            job = d.done(user)
            if job is not None:
                assert job.user == user and user not in busy
                busy.add(user)
    with pytest.raises(ValueError):
        d.done(99)


def test_open_loop_never_sends_as_a_user_who_is_waiting() -> None:
    clock = FakeClock()
    busy: set[int] = set()
    sent: list[int] = []
    lock = threading.Lock()

    def send(user: int, index: int) -> str:
        with lock:
            assert user not in busy, f"user {user} got message {index} while waiting for a reply"
            busy.add(user)
            sent.append(index)
        time.sleep(0.001)  # real time, so that several users overlap
        with lock:
            busy.remove(user)
        return "answered"

    schedule = arrival_times(1000, 60, seed=3)
    results = run_open_loop(schedule, 4, send, clock=clock, sleep=clock.sleep)
    assert sorted(sent) == list(range(60))
    assert sorted(job.index for job, _, _ in results) == list(range(60))
    assert all(outcome == "answered" for _, outcome, _ in results)
    assert {job.user for job, _, _ in results} <= {0, 1, 2, 3}


def test_latency_counts_from_when_a_message_was_due_not_when_it_was_sent() -> None:
    """One user, three messages due at once, each reply taking 1 s: the third
    waits for two replies first, so it is answered 3 s after it was due."""
    clock = FakeClock()

    def send(user: int, index: int) -> int:
        clock.advance(1.0)
        return index

    results = run_open_loop([0.0, 0.0, 0.0], 1, send, clock=clock, sleep=clock.sleep)
    latency = {job.index: took for job, _, took in results}
    assert latency == pytest.approx({0: 1.0, 1: 2.0, 2: 3.0})
    assert [outcome for _, outcome, _ in results] == [0, 1, 2]


def test_open_loop_sends_nothing_before_it_is_due() -> None:
    clock = FakeClock()
    sent_at: dict[int, float] = {}

    def send(user: int, index: int) -> None:
        sent_at[index] = clock()

    schedule = [0.5, 1.25, 4.0]
    results = run_open_loop(schedule, 2, send, clock=clock, sleep=clock.sleep)
    assert all(sent_at[i] >= due for i, due in enumerate(schedule))
    assert clock() == pytest.approx(4.0)  # the arrival clock slept until the last one was due, no longer
    assert all(took >= 0 for _, _, took in results)
