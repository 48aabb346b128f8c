"""Disk cache of voice clips, keyed by (engine, voice, rate, text).

FAQ answers repeat all day; synthesising one once and sending the file
afterwards is what makes a cached reply take milliseconds. The key uses
the *prepared* text, so two replies that sound the same share a clip, and
a change to the normaliser makes new clips rather than serve stale ones.

Several processes (bot replicas, `faq voices`) may write at once: a clip
is written to a temporary file in the same folder and renamed into place,
which is atomic, so a reader sees a whole clip or none. Size is bounded:
the least recently used clips go first (a hit refreshes the file's mtime,
since atime is often disabled on servers).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

# Bumped when the audio format changes, so old clips are not served.
FORMAT_VERSION = "ogg-opus-1"
SUFFIX = ".ogg"
# A temporary file older than this is a leftover of a crashed writer.
STALE_TMP_S = 3600.0
# Eviction goes below the limit, to this share of it, so that the next
# writes do not each trigger another scan of the folder.
LOW_WATER = 0.9


class VoiceCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        # Bytes written since the last full scan, added to the scanned total,
        # so that not every write lists the folder.
        self._approx_bytes: int | None = None

    @staticmethod
    def key(engine: str, voice: str, rate: int, text: str) -> str:
        material = "\x1f".join((FORMAT_VERSION, engine, voice, str(rate), text))
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        return self.root / f"{key}{SUFFIX}"

    def get(self, key: str) -> Path | None:
        """The cached clip, marked as just used; None on a miss."""
        path = self.path(key)
        try:
            os.utime(path)
        except FileNotFoundError:
            return None
        except OSError as exc:  # read-only cache: still usable
            log.debug("cannot touch %s: %s", path, exc)
            if not path.exists():
                return None
        return path

    def put(self, key: str, write: Callable[[Path], None]) -> Path:
        """Store the clip that `write(tmp_path)` produces; return its final path."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=self.root)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            write(tmp)
            final = self.path(key)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._account(final.stat().st_size)
        return final

    def _account(self, added: int) -> None:
        if self._approx_bytes is None:
            self._approx_bytes = self.size_bytes()
        else:
            self._approx_bytes += added
        if self._approx_bytes > self.max_bytes:
            self._approx_bytes = self.evict()

    def _entries(self) -> list[tuple[float, int, Path]]:
        entries = []
        now = time.time()
        for entry in os.scandir(self.root):
            try:
                st = entry.stat()
            except FileNotFoundError:  # removed by another process meanwhile
                continue
            if entry.name.endswith(".tmp"):
                if now - st.st_mtime > STALE_TMP_S:
                    Path(entry.path).unlink(missing_ok=True)
                continue
            if entry.name.endswith(SUFFIX):
                entries.append((st.st_mtime, st.st_size, Path(entry.path)))
        return entries

    def size_bytes(self) -> int:
        if not self.root.exists():
            return 0
        return sum(size for _, size, _ in self._entries())

    def evict(self) -> int:
        """Delete least recently used clips until the cache fits; return its size."""
        entries = sorted(self._entries())
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return total
        target = self.max_bytes * LOW_WATER
        removed = 0
        for _, size, path in entries:
            if total <= target:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        if removed:
            log.info("voice cache: removed %d least recently used clips", removed)
        return total
