"""The balancer's promise, on its own: a request whose replica dies under it is
answered by the other replica, even when it is as large as Rasa's call to the
action server (the whole conversation's events ride in it).

Two stand-in replicas sit behind haproxy with the cluster's own configuration:
one reads each request and closes the connection without an answer, as a
replica SIGKILLed mid-request does; the other answers.
"""

from __future__ import annotations

import http.server
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from bot.cluster.cluster import haproxy_config
from bot.cluster.layout import Layout
from tests.scale.test_scale import free_base

pytestmark = pytest.mark.scale

# Rasa sends the action server the conversation's every event: after ten questions
# that is tens of kilobytes. haproxy retries only a request it holds whole.
BODY = b'{"events": "' + b"x" * 120_000 + b'"}'


class _Replica(http.server.BaseHTTPRequestHandler):
    dies = False

    def do_GET(self) -> None:  # the balancer's health check
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.dies:
            self.close_connection = True
            self.connection.close()  # killed: no status line at all
            return
        out = str(len(body)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args) -> None:
        pass


class _Dying(_Replica):
    dies = True


def _serve(handler: type, port: int) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_large_request_whose_replica_dies_is_answered_by_the_other() -> None:
    layout = Layout(state_dir=Path(tempfile.mkdtemp(prefix="khotoch-lb-")), port_base=free_base())
    servers = [_serve(_Dying, layout.port("actions", 1)), _serve(_Replica, layout.port("actions", 2))]
    cfg = layout.state_dir / "haproxy.cfg"
    cfg.write_text(haproxy_config(layout), encoding="utf-8")
    proc = subprocess.Popen([shutil.which("haproxy") or "/usr/sbin/haproxy", "-db", "-f", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{layout.balancer_port('actions')}/webhook"
    try:
        deadline = time.monotonic() + 20
        while True:  # until both replicas passed their first health check
            try:
                if httpx.get(url.replace("/webhook", "/health"), timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "haproxy did not start"
            time.sleep(0.2)
        time.sleep(2.5)
        answers = [httpx.post(url, content=BODY, timeout=30) for _ in range(6)]
        assert [a.status_code for a in answers] == [200] * 6
        assert {a.text for a in answers} == {str(len(BODY))}
    finally:
        proc.terminate()
        proc.wait(10)
        for server in servers:
            server.shutdown()
        shutil.rmtree(layout.state_dir, ignore_errors=True)
