"""Rasa and the action server are closed to everyone but the bot (issue 14, item 4).

Anyone who reached Rasa's port could read any citizen's whole conversation
(GET /conversations/<id>/tracker) or talk as any user through the REST
channel. Here the real services, started as `make run` starts them, must
refuse a request without the token, answer one with it, and listen on
loopback only.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from bot import local_secrets
from rasa_side.server import _serving_arguments, token_refusal

CITIZEN = "771234"


def test_a_generated_secret_is_private_and_kept(tmp_path: Path) -> None:
    first = local_secrets.load_or_create("KHOTOCH_TEST_SECRET", "test_secret", tmp_path, environ={})
    path = tmp_path / "test_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 40 and local_secrets.SECRET_FORM.match(first)
    # A restart (or the other process) reads the same value.
    assert local_secrets.load_or_create("KHOTOCH_TEST_SECRET", "test_secret", tmp_path, environ={}) == first
    os.chmod(path, 0o644)  # e.g. a state folder copied without its modes
    local_secrets.load_or_create("KHOTOCH_TEST_SECRET", "test_secret", tmp_path, environ={})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_environment_wins_and_a_bad_value_is_refused_without_echo(tmp_path: Path) -> None:
    env = {"KHOTOCH_TEST_SECRET": "from-the-deployment_1"}
    assert local_secrets.load_or_create("KHOTOCH_TEST_SECRET", "x", tmp_path, environ=env) == "from-the-deployment_1"
    assert not (tmp_path / "x").exists()
    with pytest.raises(local_secrets.SecretError) as err:
        local_secrets.load_or_create("KHOTOCH_TEST_SECRET", "x", tmp_path, environ={"KHOTOCH_TEST_SECRET": "a b;c"})
    assert "a b;c" not in str(err.value)


@pytest.mark.parametrize(("path", "header", "refused"), [
    ("/conversations/1/tracker", None, True),
    ("/webhooks/rest/webhook", None, True),
    ("/webhooks/rest/webhook", "Bearer wrong", True),
    ("/webhooks/rest/webhook", "Basic s3cret", True),
    ("/webhooks/rest/webhook", "Bearer s3cret", False),
    ("/status", "bearer s3cret", False),
    ("/", None, False),
])
def test_token_check_covers_every_route_but_hello(path: str, header: str | None, refused: bool) -> None:
    assert (token_refusal(path, header, "s3cret") == 401) is refused


@pytest.mark.parametrize(("argv", "expected"), [
    (["run", "--port", "5005"], ["run", "--port", "5005", "--interface", "127.0.0.1"]),
    (["run", "--interface", "0.0.0.0"], ["run", "--interface", "0.0.0.0"]),  # compose says so itself
    (["run", "actions"], ["run", "actions"]),  # rasa-sdk's server: no such option
    (["train"], ["train"]),
])
def test_rasa_listens_on_loopback_unless_told(argv: list[str], expected: list[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.settings.SERVICE_INTERFACE", "127.0.0.1")
    assert _serving_arguments(argv) == expected


def _get_tracker(stack: dict[str, str], headers: dict[str, str] | None = None,
                 params: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(f"{stack['rasa']}/conversations/{CITIZEN}/tracker", headers=headers, params=params,
                     timeout=30)


def test_rasa_refuses_conversations_and_messages_without_the_token(stack: dict[str, str]) -> None:
    good = local_secrets.auth_headers(stack["token"])
    said = httpx.post(f"{stack['rasa']}/webhooks/rest/webhook", headers=good, timeout=60,
                      json={"sender": CITIZEN, "message": "how do I block my card?", "metadata": {"language": "en"}})
    assert said.status_code == 200 and said.json(), "the bot, with the token, is answered"

    for headers, params in ((None, None), ({"Authorization": "Bearer not-the-token"}, None),
                            (None, {"token": stack["token"]})):  # the URL is no place for it: refused too
        refused = _get_tracker(stack, headers, params)
        assert refused.status_code == 401
        assert "block my card" not in refused.text
    forged = httpx.post(f"{stack['rasa']}/webhooks/rest/webhook", timeout=30,
                        json={"sender": CITIZEN, "message": "what did I ask?"})
    assert forged.status_code == 401 and "text" not in forged.text
    for path in ("/status", "/version", "/domain", f"/conversations/{CITIZEN}/story"):
        assert httpx.get(f"{stack['rasa']}{path}", timeout=30).status_code == 401, path

    allowed = _get_tracker(stack, good)
    assert allowed.status_code == 200
    assert allowed.json()["sender_id"] == CITIZEN


def test_the_token_is_not_written_to_the_services_logs(stack: dict[str, str]) -> None:
    _get_tracker(stack)  # a refused request, in case refusals were logged
    logs = Path(stack["state"]) / "logs"
    assert any(logs.iterdir())
    for log in logs.iterdir():
        assert stack["token"].encode() not in log.read_bytes(), log.name


def _listening(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return ".".join(str(b) for b in reversed(raw))
    words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]  # each 32-bit word is little-endian
    return ":".join(b"".join(words)[i:i + 2].hex() for i in range(0, 16, 2))


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc/net/tcp")
def test_rasa_and_the_action_server_listen_on_loopback_only(stack: dict[str, str]) -> None:
    for name in ("rasa", "actions"):
        addresses = _listening(urlparse(stack[name]).port)
        assert addresses == {"127.0.0.1"}, f"{name} listens on {addresses}"
