"""Finding espeak-ng data that has the Mongolian voice.

espeak-ng gained a Mongolian voice (`mn`) in 2025, after the 1.51 release
that Debian 12 ships, so the system espeak-ng usually has no Mongolian.
The piper-tts 1.8.0 wheel carries newer espeak-ng data (1.52) that has it,
in `piper/espeak-ng-data`. The data files are compatible with the 1.51
binary (its phoneme output matches the wheel's own bundled library), so we
run the system binary with `--path` pointing at the wheel's folder.

The wheel is located with importlib without importing `piper`: its
`__init__` imports onnxruntime, which the data alone does not need.

Order of preference, each checked by asking the binary itself to list the
voice (so a folder it cannot read is never used):
1. KHOTOCH_ESPEAK_DATA, a folder holding `espeak-ng-data` (or that folder
   itself), for deployments that install the data elsewhere;
2. the system data, once the distribution's espeak-ng has `mn`;
3. the piper-tts wheel.
Without any of them there is no Mongolian voice, and the speaker returns
no audio for Mongolian rather than fall back to Russian, which spells the
letters ө and ү out as character names.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import subprocess
from functools import cache
from pathlib import Path

from bot.speech.config import ESPEAK_DATA_ENV
from core.settings import espeak_data_override

log = logging.getLogger(__name__)

DATA_DIR_NAME = "espeak-ng-data"


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng")


def _as_parent(folder: Path) -> Path:
    """espeak-ng's --path wants the folder that contains espeak-ng-data."""
    return folder.parent if folder.name == DATA_DIR_NAME else folder


def has_voice(binary: str, voice: str, data_parent: Path | None) -> bool:
    """True when `binary` (with `--path=data_parent`) lists exactly `voice`."""
    cmd = [binary]
    if data_parent is not None:
        cmd.append(f"--path={data_parent}")
    cmd.append(f"--voices={voice}")
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    # Columns: Pty Language Age/Gender VoiceName File Other; "--voices=mn"
    # also lists voices whose language merely starts with "mn".
    return any(len(cols) >= 2 and cols[1] == voice for cols in (line.split() for line in out.stdout.splitlines()[1:]))


def piper_data_parent() -> Path | None:
    """The piper-tts wheel's folder that holds espeak-ng-data, if installed."""
    try:
        spec = importlib.util.find_spec("piper")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location)
        if (folder / DATA_DIR_NAME / "mn_dict").is_file():
            return folder
    return None


@cache
def locate_voice_data(binary: str, voice: str) -> tuple[bool, Path | None]:
    """(found, data_parent) for `voice`; data_parent None means system data.

    Cached: the answer does not change while the process runs, and the
    speaker asks on every start.
    """
    override = espeak_data_override()
    if override:
        parent = _as_parent(Path(override))
        if has_voice(binary, voice, parent):
            return True, parent
        log.warning("%s=%s has no espeak-ng voice %r; ignoring it", ESPEAK_DATA_ENV, override, voice)
    if has_voice(binary, voice, None):
        return True, None
    parent = piper_data_parent()
    if parent is not None and has_voice(binary, voice, parent):
        return True, parent
    return False, None
