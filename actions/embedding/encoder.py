"""One sentence encoder per process, shared by FAQ retrieval and the scam checker.

Loading the model takes seconds and ~0.5 GB, so it happens once, lazily, under
a lock (the action server and the bot call from several threads). Its linear
layers are then lowered to bf16 or int8 (settings.EMBEDDING_PRECISION): a
short question is bound by reading the weights from memory, not by
arithmetic, so smaller weights make a query about twice as fast. Model hubs
are unreachable in production as well as in tests, so hub access is switched
off before sentence-transformers is imported: a wrong path then fails at once
with a clear error instead of hanging on a network timeout.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from actions.embedding import model_folder as embedding_model
from core import settings

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# torch's OpenMP workers spin while waiting for work by default. With Rasa, the
# bot and the action server sharing two cores, spinning threads starve each
# other: measured under load, a query took ~250 ms and 8x its CPU time instead
# of ~45 ms. Sleeping workers avoid that. Read once, when torch first loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

# Prompt names tried in order; the first one the model defines with a
# non-empty text is used. A model without prompts encodes the raw text.
QUERY_PROMPTS = ("query",)
PASSAGE_PROMPTS = ("passage", "document", "corpus")
BATCH_SIZE = settings.EMBEDDING_BATCH_SIZE
PRECISIONS = ("fp32", "bf16", "int8")
_FINGERPRINT_FILES = (
    "config.json",
    "modules.json",
    "config_sentence_transformers.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
    embedding_model.STAMP_FILE,
)


class EncoderUnavailable(RuntimeError):
    """The configured model folder is missing or cannot be built."""


def _pick_prompt(prompts: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if prompts.get(name):
            return prompts[name]
    return None


def fingerprint(path: Path) -> str:
    """A short id that changes when the model does, for embedding caches.

    Hashing 470 MB of weights on every start would cost seconds; the config
    files, the build stamp and the weight files' sizes identify a build.
    """
    digest = hashlib.sha256()
    for rel in _FINGERPRINT_FILES:
        file = path / rel
        if file.is_file():
            digest.update(rel.encode() + b"\0" + file.read_bytes())
    for file in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        digest.update(f"{file.name}:{file.stat().st_size}".encode())
    return digest.hexdigest()[:12]


def native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AMX tiles or AVX512-BF16).

    Elsewhere bf16 products are emulated and slower than fp32, so "auto"
    falls back to int8, which every CPU torch supports runs fast.
    """
    import torch

    for probe in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"):
        check = getattr(torch.cpu, probe, None)
        with contextlib.suppress(Exception):
            if check is not None and check():
                return True
    return False


def resolve_precision(requested: str | None = None) -> str:
    """The precision to load with: settings.EMBEDDING_PRECISION with "auto" settled."""
    value = (requested or settings.EMBEDDING_PRECISION).strip().lower()
    if value == "auto":
        return "bf16" if native_bf16() else "int8"
    if value not in PRECISIONS:
        raise EncoderUnavailable(
            f"EMBEDDING_PRECISION is {value!r}; use auto, {', '.join(PRECISIONS)}"
        )
    return value


def lower_precision(model: torch.nn.Module, precision: str) -> None:
    """Swap the model's linear layers, in place, for bf16 or int8 ones.

    bf16 keeps weights in bf16 and multiplies in bf16 (fp32 accumulation),
    while inputs, outputs, layer norms, attention and pooling stay fp32:
    embeddings stay within cosine 0.9999 of fp32. int8 is torch's dynamic
    quantisation with one scale per output channel (per-tensor scales lost a
    further point of cosine on this model); activations are quantised per
    call, which costs cosine ~0.99. Embedding tables are untouched (a lookup
    reads one row, so their size costs memory, not time). Where oneDNN
    allows, the bf16 weights are also laid out once for its kernels
    (PackedBf16Linear), which saves copying them on every call.
    """
    import torch

    if precision == "fp32":
        return
    linears = [name for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)]
    if precision == "int8":
        with warnings.catch_warnings():
            # torch points users of eager-mode quantisation at torchao; the
            # eager API still ships, works offline and needs no extra package.
            warnings.simplefilter("ignore")
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            quantize_dynamic(model, dict.fromkeys(linears, per_channel_dynamic_qconfig),
                             dtype=torch.qint8, inplace=True)
        return
    bf16_linear = _packed_bf16_linear_class() if prepacked_bf16() else _bf16_linear_class()
    for name in linears:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, bf16_linear(getattr(parent, child)))


def _limit_threads(threads: int) -> None:
    import torch

    if threads > 0 and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    try:
        # One request at a time is encoded; inter-op parallelism only adds
        # thread contention on two cores. Fails if torch already started it.
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    # OpenBLAS (numpy, scipy) keeps threads of its own that spin while they
    # wait, and torch's workers wake them up to fight over the two cores: a
    # 1683 x 384 score product right after an encoding cost ~10 ms of CPU
    # instead of 0.05 ms, doubling a search's CPU. Scores against the FAQ
    # index are far too small to gain from threads.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


@functools.cache
def _bf16_linear_class() -> type:
    """Defined on first use so that importing this module does not load torch."""
    import torch

    class Bf16Linear(torch.nn.Module):
        """A frozen nn.Linear whose weights and product are bf16, fp32 at the edges."""

        def __init__(self, linear: torch.nn.Linear) -> None:
            super().__init__()
            self.in_features, self.out_features = linear.in_features, linear.out_features
            weight = linear.weight.detach().to(torch.bfloat16)
            self.weight = torch.nn.Parameter(weight, requires_grad=False)
            bias = linear.bias
            self.bias = (None if bias is None else
                         torch.nn.Parameter(bias.detach().to(torch.bfloat16), requires_grad=False))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = torch.nn.functional.linear(x.to(torch.bfloat16), self.weight, self.bias)
            return out.to(x.dtype)

    return Bf16Linear


@functools.cache
def prepacked_bf16() -> bool:
    """Whether bf16 linears can keep their weights in oneDNN's own layout.

    Elsewhere Bf16Linear is used. Needs torch built with oneDNN and a CPU it
    runs bf16 on; rather than trust version checks on private ops, a small
    layer is built and compared with Bf16Linear, and any error or mismatch
    (a missing op, an unsupported CPU) answers no.
    """
    import torch

    if not settings.SPEED_LAYERS:
        return False  # KHOTOCH_SPEED_LAYERS=off: eager PyTorch's own bf16 layers
    try:
        if not torch.backends.mkldnn.is_available():
            return False
        generator = torch.Generator().manual_seed(0)
        linear = torch.nn.Linear(16, 24)
        with torch.no_grad():
            linear.weight.copy_(torch.randn(24, 16, generator=generator))
            linear.bias.copy_(torch.randn(24, generator=generator))
        x = torch.randn(2, 3, 16, generator=generator)
        with torch.inference_mode():
            got = _packed_bf16_linear_class()(linear)(x)
            want = _bf16_linear_class()(linear)(x)
        return got.shape == want.shape and bool(torch.allclose(got, want, rtol=1e-2, atol=1e-2))
    except Exception:  # noqa: BLE001 - whatever the cause, Bf16Linear still works
        log.info("Packed bf16 linear layers unavailable; using plain bf16 ones", exc_info=True)
        return False


@functools.cache
def _packed_bf16_linear_class() -> type:
    """Defined on first use so that importing this module does not load torch."""
    import torch

    def packed_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        return torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", [], "")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TorchScript's deprecation notice
        # torch.jit.trace cannot record the op's empty list of scalars (it
        # loses the list's type); a scripted call carries it into the graph.
        scripted_linear = torch.jit.script(packed_linear)

    class PackedBf16Linear(torch.nn.Module):
        """Bf16Linear with its weights laid out once, at load, for oneDNN's kernels.

        F.linear hands oneDNN the weights in their plain layout, and its AMX
        kernels copy them into their tiled layout on every call; for a short
        question's ~17 rows that copy costs about as much as the product.
        torch inductor's freezing pass lays bf16 weights out once with these
        same two ops; so does this layer, in the traced graph and in eager
        batches alike (one layout serves any number of rows). Laid out
        without a row-count hint, the products are bit-identical to
        Bf16Linear's on this machine (a hint of 1 changed the rounding of a
        few and was no faster), so cached vectors stay valid. Measured on the
        2-core AMX machine, one thread, against Bf16Linear: a question's
        encoder CPU time median 16.9 -> 13.4 ms over 8 alternating processes
        (faster in each pair), 15.6 -> 12.1 and 13.1 -> 10.2 ms interleaved
        in one process; 32-text batches ~10% less CPU per text.
        """

        def __init__(self, linear: torch.nn.Module) -> None:
            super().__init__()
            self.in_features, self.out_features = linear.in_features, linear.out_features
            weight = linear.weight.detach().to(torch.bfloat16)
            # Buffers, not parameters (oneDNN's opaque tensors cannot be
            # trained or saved), so that tracing captures them with the module.
            self.register_buffer("weight", torch.ops.mkldnn._reorder_linear_weight(weight),
                                 persistent=False)
            bias = linear.bias
            self.register_buffer("bias", None if bias is None else bias.detach().to(torch.bfloat16),
                                 persistent=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x16 = x.to(torch.bfloat16)
            if torch.jit.is_tracing():
                out = scripted_linear(x16, self.weight, self.bias)
            else:  # a direct call skips the TorchScript interpreter
                out = torch.ops.mkldnn._linear_pointwise(x16, self.weight, self.bias, "none", [], "")
            return out.to(x.dtype)

    return PackedBf16Linear


@functools.cache
def _last_hidden_class() -> type:
    """Defined on first use so that importing this module does not load torch."""
    import torch

    class LastHidden(torch.nn.Module):
        """The transformer's token embeddings as a plain tensor, for tracing."""

        def __init__(self, auto: torch.nn.Module) -> None:
            super().__init__()
            self.auto = auto

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.auto(input_ids=input_ids, attention_mask=attention_mask, return_dict=False)[0]

    return LastHidden


class Encoder:
    """A loaded sentence-transformers model with the two calls the app needs."""

    def __init__(self, model_path: str | os.PathLike[str], threads: int = 2,
                 precision: str | None = None, query_cache: int | None = None) -> None:
        path = Path(model_path)
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise EncoderUnavailable(
                f"No sentence-transformers model at {path}. Build the default one with "
                "`python -m bot.maintain.embedding_model` or set EMBEDDING_MODEL to a local folder."
            )
        _limit_threads(threads)
        self._threads = threads
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no tqdm bars in service logs
        self.path = path
        self._model: SentenceTransformer = SentenceTransformer(
            str(path), device="cpu", local_files_only=True
        )
        self._model.eval()
        self.precision = resolve_precision(precision)
        lower_precision(self._model, self.precision)
        prompts = dict(getattr(self._model, "prompts", None) or {})
        default_prompt = prompts.get(getattr(self._model, "default_prompt_name", None) or "")
        self._query_prompt = _pick_prompt(prompts, QUERY_PROMPTS) or default_prompt
        self._passage_prompt = _pick_prompt(prompts, PASSAGE_PROMPTS) or default_prompt
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim: int = int(get_dim())
        # Vector caches are keyed by this name, so vectors of one precision
        # never mix with another's.
        suffix = "" if self.precision == "fp32" else f"-{self.precision}"
        self.name: str = f"{path.name}-{fingerprint(path)}{suffix}"
        self._recent: OrderedDict[tuple[str | None, str], np.ndarray] = OrderedDict()
        self._recent_size = settings.EMBEDDING_QUERY_CACHE if query_cache is None else query_cache
        # torch releases the GIL, but one forward pass already uses every
        # core we give it; serialising keeps latency predictable.
        self._lock = threading.Lock()
        self._traced: torch.jit.ScriptModule | None = None
        self._trace_failed = not settings.EMBEDDING_TRACE
        log.info("Loaded sentence encoder %s (dim %d, %s%s) from %s", self.name, self.dim,
                 self.precision, "" if settings.SPEED_LAYERS else ", speed layers off: eager PyTorch", path)

    def _encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not a single string")
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            if len(texts) == 1:
                key = (prompt, texts[0])
                known = self._recent.get(key)
                if known is not None:
                    self._recent.move_to_end(key)
                    return known[None, :].copy()
                single = self._encode_one(texts[0], prompt)
                if single is None:
                    single = self._encode_batch(texts, prompt)
                self._remember(key, single[0])
                return single
            # Streams follow the cores, not EMBEDDING_THREADS (one query's threads).
            if (os.cpu_count() or 1) >= 2 and len(texts) >= 2 * BATCH_SIZE:
                parallel = self._encode_parallel(texts, prompt)
                if parallel is not None:
                    return parallel
            return self._encode_batch(texts, prompt)

    def _remember(self, key: tuple[str | None, str], vector: np.ndarray) -> None:
        if self._recent_size <= 0:
            return
        self._recent[key] = vector.copy()
        while len(self._recent) > self._recent_size:
            self._recent.popitem(last=False)

    def clear_cache(self) -> None:
        """Forget recent embeddings (benchmarks time the model, not the cache)."""
        with self._lock:
            self._recent.clear()

    def _encode_parallel(self, texts: list[str], prompt: str | None) -> np.ndarray | None:
        """Many texts as two streams of batches, one per core, each single-threaded.

        One forward pass split over two cores left them a third idle (small
        matrices); two single-threaded passes side by side encoded ~1.35x as
        many rows per second, which is what brings a 1,000-entry index build
        near a minute. Texts are tokenised up front on this thread: a Hugging
        Face fast tokenizer must not be called from two threads at once.
        Returns None on sentence-transformers versions without ``preprocess``.
        """
        import torch

        preprocess = getattr(self._model, "preprocess", None)
        if preprocess is None:
            return None
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding per batch
        batches = [order[i:i + BATCH_SIZE] for i in range(0, len(order), BATCH_SIZE)]
        features = [preprocess([texts[i] for i in batch], prompt=prompt) for batch in batches]
        out = np.empty((len(texts), self.dim), np.float32)
        failures: list[BaseException] = []

        def run(ks: range) -> None:
            try:
                with torch.inference_mode():
                    for k in ks:
                        vectors = self._model(features[k])["sentence_embedding"].float()
                        out[batches[k]] = torch.nn.functional.normalize(vectors, p=2, dim=1).numpy()
            except BaseException as exc:  # noqa: BLE001 - re-raised on the calling thread
                failures.append(exc)

        torch.set_num_threads(1)
        try:
            other = threading.Thread(target=run, args=(range(1, len(batches), 2),), name="encode-2")
            other.start()
            run(range(0, len(batches), 2))
            other.join()
        finally:
            torch.set_num_threads(self._threads)
        if failures:
            raise failures[0]
        return out

    def _encode_batch(self, texts: list[str], prompt: str | None) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            prompt=prompt,
            batch_size=BATCH_SIZE,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode_one(self, text: str, prompt: str | None) -> np.ndarray | None:
        """One text straight through the modules, skipping encode()'s batching.

        A user's message is embedded alone on every turn; encode()'s sorting
        and device checks cost ~3 ms of a ~20 ms call on two cores. Returns
        None on sentence-transformers versions without ``preprocess`` (< 6).
        """
        import torch

        preprocess = getattr(self._model, "preprocess", None)
        if preprocess is None:
            return None
        features = preprocess([text], prompt=prompt)
        with torch.inference_mode():
            traced = self._traced_transformer(features)
            if traced is not None:
                features["token_embeddings"] = traced(features["input_ids"], features["attention_mask"])
                for module in list(self._model)[1:]:  # pooling, normalisation: as configured
                    features = module(features)
                vector = features["sentence_embedding"]
            else:
                vector = self._model(features)["sentence_embedding"]
            vector = torch.nn.functional.normalize(vector, p=2, dim=1)
        return vector.numpy().astype(np.float32, copy=False)

    def _traced_transformer(self, features: dict) -> torch.jit.ScriptModule | None:
        """The transformer as a frozen TorchScript graph, traced on first use.

        Eager PyTorch spends about a third of a single query's ~25 ms in
        Python (218 module calls); the traced graph runs the same operations
        without them, and its embeddings equal eager ones (cosine 1.0 at any
        length; tests/test_embedding.py). Used for one unpadded text only,
        the shape it was traced for; anything unusual takes the eager path.
        """
        import torch

        if self._trace_failed or "input_ids" not in features or "attention_mask" not in features:
            return None
        if features.get("token_type_ids") is not None and bool(features["token_type_ids"].any()):
            return None
        if self._traced is None:
            first = self._model[0]
            auto = getattr(first, "auto_model", None)
            if auto is None:
                self._trace_failed = True
                return None
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # the tracer's notes on shape-dependent branches
                    example = (features["input_ids"], features["attention_mask"])
                    traced = torch.jit.trace(_last_hidden_class()(auto), example, strict=False,
                                             check_trace=False)
                    self._traced = torch.jit.freeze(traced.eval())
            except Exception:  # noqa: BLE001 - eager encoding still works
                log.warning("Tracing the encoder failed; single texts use eager PyTorch", exc_info=True)
                self._trace_failed = True
                return None
        return self._traced

    def warm_up(self, longest: int | None = None) -> int:
        """Encodes one question of each length from 1 to `longest` words; returns how many.

        oneDNN builds its kernels for each new input shape, and TorchScript
        profiles the traced graph on the first runs: measured after a start,
        the first question took 135 ms and the next thirty or so 19 ms, where
        a warm encoder takes 11. Users' questions come in every length, so
        each length is run once before they arrive (about 2.5 s, on the
        warm-up thread). The filler texts skip the cache of recent questions.
        """
        longest = settings.EMBEDDING_WARM_WORDS if longest is None else longest
        count = 0
        with self._lock:
            for words in range(1, longest + 1):
                if self._encode_one(" ".join(["x"] * words), self._query_prompt) is None:
                    break  # no single-text path on this sentence-transformers version
                count += 1
        return count

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed user questions or messages: (n, dim) float32, unit length."""
        return self._encode(texts, self._query_prompt)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Embed FAQ entries or reference texts: (n, dim) float32, unit length."""
        return self._encode(texts, self._passage_prompt)


_encoder: Encoder | None = None
_encoder_lock = threading.Lock()


def _model_path() -> Path:
    """The configured folder; the default one is built or refreshed on first use."""
    path = Path(settings.EMBEDDING_MODEL)
    if path.resolve() != Path(embedding_model.DEFAULT_OUT_DIR).resolve():
        return path
    try:
        # Returns at once when the build stamp matches the installed packages.
        embedding_model.convert(path)
    except embedding_model.ConversionError as err:
        if not (path / embedding_model.STAMP_FILE).is_file():
            raise EncoderUnavailable(str(err)) from err
        log.warning("Using the existing embedding model in %s: %s", path, err)
    return path


def get_encoder() -> Encoder:
    """The process-wide encoder, loaded on first call."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                _encoder = Encoder(_model_path(), threads=settings.EMBEDDING_THREADS)
    return _encoder


_BENCH_TEXTS = (
    "How do I protect my bank account from fraud?",
    "Банкны дансаа залилангаас хэрхэн хамгаалах вэ?",
    "dansaa yaj hamgaalah ve",
    "E-Mongolia дээр тодорхойлолт хэрхэн авах вэ?",
    "Someone asked for my card PIN code by phone.",
    "Таны карт хаагдлаа. Нээхийн тулд кодоо илгээнэ үү.",
    "How do I reset my internet banking password?",
    "Шагнал хожсон гэсэн мессежийн холбоос дээр дарах аюулгүй юу?",
)


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def bench(n_queries: int = 200, n_batch: int = 256) -> dict[str, float]:
    """Figures for the notes: load time, memory, query latency, batch throughput."""
    import time

    started = time.perf_counter()
    encoder = get_encoder()
    figures = {"load_s": time.perf_counter() - started, "rss_mb": _rss_mb()}
    texts = [f"{t} {i}" for i in range(n_batch) for t in _BENCH_TEXTS][:n_batch]
    encoder.encode_queries(texts[:8])  # warm-up
    latencies = []
    cpu = time.process_time()
    for i in range(n_queries):
        encoder.clear_cache()  # time the model, not the cache of repeated texts
        one = time.perf_counter()
        encoder.encode_queries([texts[i % len(texts)]])
        latencies.append((time.perf_counter() - one) * 1000)
    # CPU time is less sensitive than wall time to other processes on the box.
    figures["query_cpu_ms"] = (time.process_time() - cpu) * 1000 / n_queries
    latencies.sort()
    figures["query_p50_ms"] = latencies[len(latencies) // 2]
    figures["query_p95_ms"] = latencies[int(len(latencies) * 0.95)]
    one = time.perf_counter()
    encoder.encode_passages(texts)
    figures["batch_per_s"] = len(texts) / (time.perf_counter() - one)
    figures["rss_after_mb"] = _rss_mb()
    return figures


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    try:
        figures = bench()
    except EncoderUnavailable as err:
        print(f"error: {err}")
        return 1
    encoder = get_encoder()
    print(f"model {encoder.name} ({encoder.dim} dims) from {encoder.path}")
    print(f"threads {settings.EMBEDDING_THREADS}, precision {encoder.precision} "
          f"(EMBEDDING_PRECISION={settings.EMBEDDING_PRECISION}), load {figures['load_s']:.1f} s")
    print(f"memory after load {figures['rss_mb']:.0f} MB, after encoding {figures['rss_after_mb']:.0f} MB")
    print(
        f"single query p50 {figures['query_p50_ms']:.1f} ms, p95 {figures['query_p95_ms']:.1f} ms, "
        f"CPU {figures['query_cpu_ms']:.1f} ms"
    )
    print(f"machine load average {os.getloadavg()[0]:.1f} (figures are only meaningful near 0)")
    print(f"batch encoding {figures['batch_per_s']:.0f} sentences/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
