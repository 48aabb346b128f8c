"""A local stand-in for Tsetsen AI's TTS service, built from the SDK's own stubs.

It implements ListVoices and StreamSpeech of `tsetsen.api.v1.TsetsenTTS`
on a loopback port (plaintext), so the real SDK client in
bot/speech/engines/tsetsen.py talks gRPC to it exactly as to the service.
`delay_s` makes it slow; `stop()` makes it unreachable.
"""

from __future__ import annotations

import math
import struct
import threading
import time
from concurrent import futures

import grpc

from bot.speech.engines import tsetsen_sdk

VOICE_ID = "standin-voice-1"
SAMPLE_RATE = 24000


def tone(seconds: float, hz: float = 220.0) -> bytes:
    """16-bit PCM of a quiet tone: audio that ffmpeg will encode."""
    n = int(SAMPLE_RATE * seconds)
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / SAMPLE_RATE))) for i in range(n))


class TsetsenStandIn:
    def __init__(self) -> None:
        pb2, pb2_grpc = tsetsen_sdk.stubs()
        self.pb2 = pb2
        self.delay_s = 0.0
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (method, text, metadata)
        self._lock = threading.Lock()
        stand_in = self

        class Servicer(pb2_grpc.TsetsenTTSServicer):
            def ListVoices(self, request, context):  # noqa: N802 - the service's method name
                stand_in._record("ListVoices", "", context)
                return pb2.ListVoicesResponse(voices=[pb2.Voice(id=VOICE_ID, name="Standin", language="mn")])

            def StreamSpeech(self, request, context):  # noqa: N802
                stand_in._record("StreamSpeech", request.text, context)
                if stand_in.delay_s:
                    time.sleep(stand_in.delay_s)
                audio = tone(0.6)
                half = len(audio) // 2
                yield pb2.StreamSpeechResponse(audio_chunk=audio[:half], is_final=False)
                yield pb2.StreamSpeechResponse(audio_chunk=audio[half:], is_final=True)

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        pb2_grpc.add_TsetsenTTSServicer_to_server(Servicer(), self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")

    def _record(self, method: str, text: str, context: grpc.ServicerContext) -> None:
        with self._lock:
            self.requests.append((method, text, dict(context.invocation_metadata())))

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> TsetsenStandIn:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop(grace=None)
