"""Keeping the bot's memory close to what its voice models really use.

Piper's and Whisper's intermediate arrays are freed after each call, but
glibc keeps the pages, so the bot's resident size would stay at the
largest answer it ever voiced, and the next model's peak would stack on
top. `release()` (malloc_trim) returns them; it takes about a millisecond.

`keep_large_buffers_apart()` fixes glibc's mmap threshold at 16 MB. By
default it rises, after the first large buffer is freed, up to 32 MB, so
the models' 16-32 MB scratch buffers (Piper's convolutions need some
90 MB for a three-second clause) then come from the heap, where the holes
they leave do not fit the next, differently sized ones, and the heap grows
past what is alive. Kept in their own mappings, they go back to the system
when freed: what the two models add to the peak fell from 369-405 MB to
303-311 MB in a one-process test (docs/voice.md). A lower threshold saved a little more but cost a third
more CPU per clip in page faults (1 MB: 1.35 instead of 1.0 CPU s).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

MMAP_THRESHOLD_BYTES = 16 * 1024 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number

_libc = None
_name = ctypes.util.find_library("c")
if _name:
    try:
        _libc = ctypes.CDLL(_name)
        _libc.malloc_trim.argtypes = [ctypes.c_size_t]
        _libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        _libc = None
_fixed = False


def release() -> None:
    if _libc is not None:
        _libc.malloc_trim(0)


def keep_large_buffers_apart() -> None:
    """Fixes the mmap threshold (once per process); called before a model loads."""
    global _fixed
    if _libc is None or _fixed:
        return
    _fixed = True
    if not _libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES):
        log.info("glibc refused a fixed mmap threshold; voice models may use more memory")
