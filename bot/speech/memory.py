"""Giving freed memory back to the system after a model has run.

Piper's and Whisper's intermediate arrays are freed after each call, but
glibc keeps the pages, so the bot's resident size would stay at the
largest answer it ever voiced, and the next model's peak would stack on
top. malloc_trim(0) returns them; it takes about a millisecond.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

_libc = None
_name = ctypes.util.find_library("c")
if _name:
    try:
        _libc = ctypes.CDLL(_name)
        _libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        _libc = None


def release() -> None:
    if _libc is not None:
        _libc.malloc_trim(0)
