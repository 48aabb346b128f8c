"""Importing Tsetsen AI's SDK next to rasa-sdk's protobuf 4.

The SDK's generated code (tsetsen 0.1.10) was made with protoc for
protobuf 5.29 and starts with a version check from
`google.protobuf.runtime_version`, a module protobuf 4.25 lacks; rasa-sdk
pins protobuf below 4.26, so we cannot upgrade. The check is all that is
missing: the descriptor and builder calls after it work on 4.25. Without
the module the SDK "repairs" its own installed file with a regex that
leaves it broken for every later import, so the shim must be in place
before the first import, which is why every import goes through here.
"""

from __future__ import annotations

import sys
import types
from typing import Any


def _runtime_version_shim() -> None:
    try:
        from google.protobuf import runtime_version  # noqa: F401 - protobuf >= 5 has it
        return
    except ImportError:
        pass
    import google.protobuf

    shim = types.ModuleType("google.protobuf.runtime_version")

    class Domain:
        GOOGLE_INTERNAL = 1
        PUBLIC = 2

    def validate(domain: Any, major: int, minor: int, patch: int, suffix: str, location: str) -> None:
        """Accepts: the generated code only builds descriptors 4.25 supports."""

    shim.Domain = Domain  # type: ignore[attr-defined]
    shim.ValidateProtobufRuntimeVersion = validate  # type: ignore[attr-defined]
    sys.modules["google.protobuf.runtime_version"] = shim
    google.protobuf.runtime_version = shim  # type: ignore[attr-defined]


def load() -> types.ModuleType:
    """The `tsetsen` package; ImportError when it is not installed."""
    _runtime_version_shim()
    import tsetsen

    return tsetsen


def stubs() -> tuple[types.ModuleType, types.ModuleType]:
    """The SDK's generated messages and gRPC stubs (pb2, pb2_grpc)."""
    load()
    from tsetsen import tsetsen_tts_pb2, tsetsen_tts_pb2_grpc

    return tsetsen_tts_pb2, tsetsen_tts_pb2_grpc
