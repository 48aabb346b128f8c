"""Semantic FAQ retrieval: which entry answers a question, and how sure we are.

Rasa's intent only names a topic; the answer is the FAQ entry whose question
phrasings (all three forms) or title sit closest to the user's text. The
score of an entry is a weighted sum of two cosines:

- the sentence embedding of the normalised text (Latin-typed Mongolian in
  Cyrillic) against each of the entry's phrasings and titles, the best one
  counting; it carries meaning across wording and language;
- character n-grams of a script-independent spelling (`core.script.lexical_key`)
  against the entry as one document (phrasings, titles and answers), which
  catch the exact words, survive transliteration mistakes and credit a
  question whose words are spread over several phrasings. On the held-out
  set this document score beat the best single phrasing by about ten points
  of top-1 accuracy in Mongolian.

Plus a third, smaller part: the entry's probability from a classifier fitted
on the phrasings' vectors (actions/faq/entry_classifier.py), which learns
what tells sibling entries apart.

e5 similarities are bunched high, so the answer/ask/give-up decision uses
thresholds on the score and on the margin to the second entry, learnt by
`python -m bot faq calibrate` and kept in actions/faq/thresholds.yml.

The index is rebuilt in the background when faq/ changes; the old one serves
until the new one is swapped in, so a reply never waits for a rebuild.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from actions.faq import thresholds as faq_thresholds
from actions.faq.entry_classifier import EntryClassifier
from actions.faq.store import (
    FaqEntry,
    FaqStore,
    files_signature,
    load_store,
    mongolian_texts,
)
from core import settings
from core.script import (
    Normalized,
    Vocabulary,
    lexical_key,
    normalize,
    words,
)
from rasa_side.question_reading import Reading, clauses, read

log = logging.getLogger(__name__)

BANDS = ("low", "middle", "high")
# Thresholds of long messages are kept under the form's name plus this.
LONG_SUFFIX = "_long"
# Openings that mark a message as going on from the previous answer
# ("and for Golomt?", "тэгээд хэдэн төгрөг вэ?"), in the script-independent
# spelling so that Latin-typed Mongolian matches too.
FOLLOWUP_CUES = tuple(lexical_key(w) + " " for w in (
    "and", "also", "then", "what about", "how about", "тэгээд", "тэгвэл", "тэгэхээр", "харин",
    "бас"))
# Bump when what is stored in a cache file changes.
INDEX_FORMAT = 1
# Texts per encoder call while building. A search arriving meanwhile waits for
# the call in progress (about a second); rebuilds after an edit embed only the
# changed phrasings, so that is rare.
_CHUNK = 256  # four batches: two per core (Encoder._encode_parallel)


class Encoder(Protocol):
    """What actions.embedding.encoder.get_encoder() returns."""

    name: str
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Thresholds:
    """One language form's answer / "Did you mean" / "no answer" decision.

    Answer when the best score and its lead over the second reach
    `high`/`margin`, or when the embedding and the n-grams agree on the best
    entry and it reaches `agree_high`/`agree_margin` (on training questions
    such agreement was right 96-97 % of the time); otherwise "Did you mean"
    when the best similarity (the score without the classifier, whose
    probabilities sum to one whether or not any entry is close) reaches
    `low`; below it, the honest "no answer".
    Learnt per form from training material (bot/maintain/faq_calibration.py).
    """

    high: float
    margin: float
    agree_high: float
    agree_margin: float
    low: float

    def answers(self, best: Any, margin: Any, agree: Any) -> Any:
        """Whether to answer; works on numbers and on numpy arrays alike."""
        return (((best >= self.high) & (margin >= self.margin))
                | (agree & (best >= self.agree_high) & (margin >= self.agree_margin)))

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(getattr(self, k)), 3) for k in self.__dataclass_fields__}


def _form_thresholds() -> dict[str, Thresholds]:
    return {form: Thresholds(**values) for form, values in faq_thresholds.thresholds().items()}


@dataclass(frozen=True)
class RetrievalConfig:
    """Tuning values; defaults are the calibrated ones in core/settings.py."""

    lexical_weight: float = settings.FAQ_LEXICAL_WEIGHT
    classifier_weight: float = settings.FAQ_CLASSIFIER_WEIGHT
    classifier_strength: float = settings.FAQ_CLASSIFIER_C
    high_score: float = settings.FAQ_HIGH_SCORE
    high_margin: float = settings.FAQ_HIGH_MARGIN
    low_score: float = settings.FAQ_LOW_SCORE
    suggest_window: float = settings.FAQ_SUGGEST_WINDOW
    max_suggestions: int = settings.FAQ_MAX_SUGGESTIONS
    followup_max_words: int = settings.FAQ_FOLLOWUP_MAX_WORDS
    lexical_only_low: float = settings.FAQ_LEXICAL_ONLY_LOW
    transliterate: bool = True
    use_lexical: bool = True
    # Per question form; a form not listed uses high_score/high_margin/low_score.
    thresholds: dict[str, Thresholds] = field(default_factory=_form_thresholds)

    def mix(self, emb: np.ndarray | None, lex: np.ndarray,
            cls: np.ndarray | None = None) -> np.ndarray:
        """The combined entry scores: the one formula for search, evaluation and calibration."""
        if emb is None:
            return lex
        w = self.lexical_weight if self.use_lexical else 0.0
        combined = (1.0 - w) * emb + w * lex if w > 0 else emb
        if cls is not None and self.classifier_weight > 0:
            combined = combined + self.classifier_weight * cls
        return combined

    def thresholds_for(self, form: str, long: bool = False) -> Thresholds:
        """The form's thresholds; a long message's own ones where they were learnt."""
        found = (self.thresholds.get(form + LONG_SUFFIX) if long else None) or self.thresholds.get(form)
        if found is not None:
            return found
        return Thresholds(self.high_score, self.high_margin, 2.0, 2.0, self.low_score)


@dataclass(frozen=True)
class EntryScores:
    """One text's scores per entry: combined, and its two parts."""

    combined: np.ndarray
    embedding: np.ndarray | None
    lexical: np.ndarray
    classifier: np.ndarray | None = None
    # Without the classifier, whose probabilities sum to one whether or not
    # any entry is close: what "Did you mean" versus "no answer" is judged on.
    similar: np.ndarray | None = None

    @property
    def similarity(self) -> np.ndarray:
        return self.combined if self.similar is None else self.similar

    def agree(self, allowed: np.ndarray | None = None) -> bool:
        """Whether the parts of the score put the same entry first (see `agreement`)."""
        if self.embedding is None:
            return False
        parts = [p for p in (self.embedding, self.lexical, self.classifier) if p is not None]
        if allowed is not None:
            parts = [np.where(allowed, p, -np.inf) for p in parts]
        return agreement(*parts)


@dataclass(frozen=True)
class Match:
    """An entry and its combined score (comparable only with the same settings)."""

    faq_id: str
    topic: str
    score: float


@dataclass(frozen=True)
class SearchResult:
    """The decision for one text.

    `runners_up` are the entries worth offering beside `best` in a
    "Did you mean ...?" (within `suggest_window` of it), best first.
    `ranking` is the full top of the list, for logs and evaluation.
    """

    band: str
    best: Match | None
    runners_up: list[tuple[str, float]]
    normalized: str
    original: str
    form: str
    ranking: list[tuple[str, float]] = field(default_factory=list)
    topic_restricted: bool = False
    followup: bool = False
    # Entries for other needs the message raised, offered after the answer.
    also: tuple[str, ...] = ()

    @property
    def suggestions(self) -> list[str]:
        if self.best is None:
            return []
        return [self.best.faq_id] + [fid for fid, _ in self.runners_up]


def agreement(emb: np.ndarray, lex: np.ndarray, cls: np.ndarray | None = None) -> bool:
    """Whether the embedding, the n-grams and the classifier (when there is one) rank the same entry first.

    Three opinions made in different ways agreeing is the evidence the
    second answer rule (`agree_high`) trusts.
    """
    first = int(np.argmax(emb))
    return first == int(np.argmax(lex)) and (cls is None or first == int(np.argmax(cls)))


def _urgency(faq_id: str) -> int:
    """Place in FAQ_URGENT_ENTRIES; entries not listed come after all listed ones."""
    urgent = settings.FAQ_URGENT_ENTRIES
    return urgent.index(faq_id) if faq_id in urgent else len(urgent)


def _evidence(result: SearchResult) -> tuple[int, float]:
    """How strongly a result is supported: its band first, then its best score."""
    return BANDS.index(result.band), result.best.score if result.best else -1.0


def _model_slug(name: str) -> str:
    base = Path(name).name or name
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in base)[:60]


class LexicalIndex:
    """TF-IDF over character n-grams of the script-independent spelling."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4),
                                           sublinear_tf=True, lowercase=False, dtype=np.float32)
        # A placeholder keeps an empty faq/ (or a blank text) from emptying the vocabulary.
        self._matrix = self._vectorizer.fit_transform([k if k.strip() else "_" for k in keys] or ["_"])
        self._analyze = self._vectorizer.build_analyzer()
        self._columns = self._vectorizer.vocabulary_
        self._idf = self._vectorizer.idf_.astype(np.float32)

    def query_vector(self, key: str) -> np.ndarray:
        """`key` as a dense TF-IDF row, as the fitted vectorizer's transform makes it.

        Computed here from the vectorizer's own analyzer, vocabulary and idf:
        transform() spends about a millisecond a question validating and
        converting one row, more than the lookup itself.
        """
        counts: dict[int, int] = {}
        for gram in self._analyze(key or " "):
            column = self._columns.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        row = np.zeros(self._matrix.shape[1], dtype=np.float32)
        if counts:
            columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            weights = (np.log(tf) + 1.0) * self._idf[columns]  # sublinear tf times idf
            row[columns] = weights / np.linalg.norm(weights)
        return row

    def scores(self, key: str) -> np.ndarray:
        """Cosine of `key` with every indexed text."""
        # Sparse matrix times a dense vector: a sparse-by-sparse product
        # (and its conversions) cost more than the rest of the lookup.
        return np.asarray(self._matrix @ self.query_vector(key), dtype=np.float32)

    def score_against(self, key: str, other: str) -> float:
        """Cosine of `key` with a text that is not indexed (same vocabulary)."""
        a, b = self._vectorizer.transform([key or " ", other or " "])
        return float((a @ b.T).toarray()[0, 0])

    def row_scores(self, row: int) -> np.ndarray:
        """Cosine of one indexed row with every row."""
        return np.asarray((self._matrix @ self._matrix[row].T).todense(), dtype=np.float32).ravel()

    def block(self, start: int, end: int) -> np.ndarray:
        """Cosines of rows start..end with every row (dense, end - start by n)."""
        return np.asarray((self._matrix[start:end] @ self._matrix.T).todense(), dtype=np.float32)


@dataclass
class FaqIndex:
    """One immutable snapshot of the searchable content."""

    store: FaqStore
    entries: list[FaqEntry]  # published only, in row order
    row_entry: np.ndarray  # entry position of each row
    row_text: list[str]
    row_form: list[str]
    row_key: list[str]
    starts: np.ndarray  # first row of each entry (rows are grouped by entry)
    vectors: np.ndarray | None  # rows x dim, None without an encoder
    documents: list[str]  # per entry: its phrasings, titles and answers, lexical keys
    lexical: LexicalIndex  # over `documents`
    vocabulary: Vocabulary
    model_name: str
    classifier: EntryClassifier | None = None  # None without an encoder
    build_seconds: float = 0.0
    topic_of: np.ndarray = field(init=False)  # topic per entry, for the topic mask
    _positions: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.topic_of = np.array([e.topic for e in self.entries], dtype=object)
        self._positions = {e.id: i for i, e in enumerate(self.entries)}

    @property
    def content_hash(self) -> str:
        return self.store.content_hash

    def position(self, faq_id: str) -> int | None:
        return self._positions.get(faq_id)

    def lexical_left_out(self, own: int, left_out: set[int], key: str) -> float:
        """`key`'s n-gram score against entry `own`'s document without rows `left_out`.

        How a phrasing is scored as if a user typed it (calibration and the
        validator's confusion report): its own words must not find it.
        """
        first = int(self.starts[own])
        last = int(self.starts[own + 1]) if own + 1 < len(self.entries) else len(self.row_key)
        rest = entry_document(self.entries[own], [self.row_key[o] for o in range(first, last)
                                                  if o not in left_out])
        return self.lexical.score_against(key, rest)


def entry_document(entry: FaqEntry, row_keys: Sequence[str]) -> str:
    """Everything an entry says, in the script-independent spelling."""
    return " | ".join([*row_keys, lexical_key(entry.answer["en"]), lexical_key(entry.answer["mn"])])


def index_rows(entries: Sequence[FaqEntry], vocabulary: Vocabulary,
               transliterate: bool = True) -> tuple[list[int], list[str], list[str], list[str]]:
    """(entry position, embedded text, form, lexical key) for every row.

    Rows are each question phrasing in its known form plus both titles, so a
    short question ("lost card") can match a title directly.
    """
    pos: list[int] = []
    texts: list[str] = []
    forms: list[str] = []
    keys: list[str] = []
    for i, entry in enumerate(entries):
        items = entry.phrasings() + [("en", entry.title["en"]), ("mn", entry.title["mn"])]
        for form, text in items:
            norm = normalize(text, form=form, vocabulary=vocabulary, transliterate=transliterate)
            pos.append(i)
            texts.append(norm.text)
            forms.append(form)
            keys.append(norm.key)
    return pos, texts, forms, keys


class VectorCache:
    """Row embeddings on disk, keyed by model and the exact texts embedded.

    A file holds texts and vectors, so after an edit only new or changed
    phrasings are embedded again; a restart with unchanged content loads the
    file and embeds nothing.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def key(self, model_name: str, texts: Sequence[str]) -> str:
        digest = hashlib.sha256(f"{INDEX_FORMAT}\n{model_name}\n".encode())
        for text in texts:
            digest.update(text.encode())
            digest.update(b"\0")
        return f"{_model_slug(model_name)}-{digest.hexdigest()[:16]}"

    def load(self, name: str) -> dict[str, np.ndarray]:
        path = self.directory / f"{name}.npz"
        try:
            with np.load(path, allow_pickle=False) as data:
                return dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
        except (OSError, KeyError, ValueError):
            return {}

    def newest(self, model_name: str) -> dict[str, np.ndarray]:
        files = sorted(self.directory.glob(f"{_model_slug(model_name)}-*.npz"),
                       key=lambda p: p.stat().st_mtime, reverse=True)
        return self.load(files[0].stem) if files else {}

    def save(self, name: str, texts: Sequence[str], vectors: np.ndarray, model_name: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / f".{name}.{os.getpid()}.tmp.npz"
            np.savez(tmp, texts=np.array(list(texts), dtype=str), vectors=vectors.astype(np.float32))
            os.replace(tmp, self.directory / f"{name}.npz")
            old = sorted(self.directory.glob(f"{_model_slug(model_name)}-*.npz"),
                         key=lambda p: p.stat().st_mtime, reverse=True)
            for path in old[settings.FAQ_INDEX_CACHE_KEEP:]:
                path.unlink(missing_ok=True)
        except OSError:
            log.warning("FAQ index cache not written to %s", self.directory, exc_info=True)


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="Embedding FAQ phrasings", unit="text")


class Retriever:
    """Process-wide FAQ search: thread-safe, hot-reloading, never blocking replies."""

    _shared: Retriever | None = None
    _shared_lock = threading.Lock()

    def __init__(self, faq_dir: Path | None = None, encoder: Encoder | None = None,
                 config: RetrievalConfig | None = None, cache_dir: Path | None = None,
                 state_dir: Path | None = None, show_progress: bool = False,
                 use_cache: bool = True) -> None:
        self.faq_dir = Path(faq_dir or settings.FAQ_DIR)
        self.encoder = encoder
        self.config = config or RetrievalConfig()
        self.cache = VectorCache(Path(cache_dir or settings.FAQ_INDEX_DIR)) if use_cache else None
        self.state_dir = Path(state_dir or settings.STATE_DIR)
        self.show_progress = show_progress
        self._reload_lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self.last_error: str | None = None
        # Taken before reading, so an edit made during the read is seen by the watcher.
        self._signature = files_signature(self.faq_dir)
        store = load_store(self.faq_dir)
        for problem in store.problems:
            (log.error if problem.severity == "error" else log.info)("FAQ content: %s", problem)
        self._index = self._build(store)

    # ----- construction ---------------------------------------------------

    @classmethod
    def shared(cls) -> Retriever:
        """The process's retriever, built on first use with the watcher running."""
        with cls._shared_lock:
            if cls._shared is None:
                encoder: Encoder | None
                try:
                    from actions.embedding.encoder import get_encoder

                    encoder = get_encoder()
                except Exception:  # noqa: BLE001 - serve lexical suggestions rather than nothing
                    log.exception("Embedding model unavailable: FAQ answers fall back to "
                                  "n-gram suggestions only. Run `python -m bot.maintain.embedding_model`.")
                    encoder = None
                retriever = cls(encoder=encoder)
                if settings.FAQ_WATCH:
                    retriever.start_watcher()
                cls._shared = retriever
            return cls._shared

    @property
    def index(self) -> FaqIndex:
        return self._index

    @property
    def model_name(self) -> str:
        return self.encoder.name if self.encoder is not None else "lexical-only"

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Phrasings and questions alike get e5's "query: " prompt.

        Matching a question to question phrasings is the symmetric task e5
        prompts both sides with "query: " for; passages scored lower on the
        held-out set. The encoder is thread-safe (it serialises calls), so a
        search during a rebuild waits for one chunk at most.
        """
        assert self.encoder is not None
        return np.asarray(self.encoder.encode_queries(texts), dtype=np.float32)

    def _embed_rows(self, texts: list[str], previous: FaqIndex | None) -> np.ndarray:
        """Vectors for `texts`, reusing the old index and the disk cache."""
        dim = self.encoder.dim if self.encoder is not None else 0
        known: dict[str, np.ndarray] = {}
        if previous is not None and previous.vectors is not None and \
                previous.model_name == self.model_name:
            known.update(zip(previous.row_text, previous.vectors, strict=True))
        name = self.cache.key(self.model_name, texts) if self.cache else ""
        if self.cache is not None:
            exact = self.cache.load(name)
            if exact and all(t in exact for t in texts):
                return np.stack([exact[t] for t in texts]).astype(np.float32)
            if not known:
                known.update(self.cache.newest(self.model_name))
        # Similar lengths in one call waste less padding.
        missing = sorted({t for t in texts if t not in known}, key=lambda t: (len(t), t))
        bar = _progress(len(missing), self.show_progress and bool(missing))
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start:start + _CHUNK]
            for text, vector in zip(chunk, self._encode(chunk), strict=True):
                known[text] = vector
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()
        vectors = np.stack([known[t] for t in texts]) if texts else np.zeros((0, dim), np.float32)
        if self.cache is not None and texts:
            self.cache.save(name, texts, vectors, self.model_name)
        return vectors.astype(np.float32)

    def _build(self, store: FaqStore, previous: FaqIndex | None = None) -> FaqIndex:
        started = time.perf_counter()
        entries = store.published
        vocabulary = Vocabulary(mongolian_texts(store.entries))
        pos, texts, forms, keys = index_rows(entries, vocabulary, transliterate=self.config.transliterate)
        vectors = self._embed_rows(texts, previous) if self.encoder is not None else None
        row_entry = np.array(pos, dtype=np.int64)
        starts = np.searchsorted(row_entry, np.arange(len(entries))) if entries else np.array([], np.int64)
        ends = [*starts[1:].tolist(), len(keys)]
        documents = [entry_document(e, keys[int(starts[i]):ends[i]]) for i, e in enumerate(entries)]
        classifier = (EntryClassifier.fit(vectors, row_entry, len(entries),
                                          strength=self.config.classifier_strength)
                      if vectors is not None and self.config.classifier_weight > 0 else None)
        index = FaqIndex(
            store=store, entries=entries, row_entry=row_entry, row_text=texts, row_form=forms,
            row_key=keys, starts=starts, vectors=vectors, documents=documents,
            lexical=LexicalIndex(documents), classifier=classifier,
            vocabulary=vocabulary, model_name=self.model_name,
        )
        index.build_seconds = time.perf_counter() - started
        log.info("FAQ index: %d entries, %d rows, %s, %.1f s", len(entries), len(texts),
                 self.model_name, index.build_seconds)
        return index

    # ----- reloading ------------------------------------------------------

    def reload(self, force: bool = False, request_id: str | None = None) -> bool:
        """Re-read faq/ and swap in a new index if the content changed.

        A file that does not parse keeps the old index serving (a maintainer
        is probably mid-edit); the problem is logged and put in the status
        file. Returns True when a new index was swapped in.
        """
        with self._reload_lock:
            old = self._index
            self._signature = files_signature(self.faq_dir)
            store = load_store(self.faq_dir)
            if store.unreadable:
                msg = "; ".join(str(p) for p in store.errors if p.file in store.unreadable)
                self.last_error = msg
                log.error("FAQ reload skipped, old content keeps serving: %s", msg)
                self._write_status("error", old, request_id, error=msg)
                return False
            self.last_error = None
            if store.content_hash == old.content_hash and not force:
                self._write_status("ready", old, request_id)
                return False
            for problem in store.problems:
                (log.error if problem.severity == "error" else log.info)("FAQ content: %s", problem)
            if request_id:
                self._write_status("building", old, request_id, content_hash=store.content_hash)
            try:
                new = self._build(store, previous=old)
            except Exception as exc:  # noqa: BLE001 - keep serving the old index
                self.last_error = f"index build failed: {exc}"
                log.exception("FAQ index build failed; old content keeps serving")
                self._write_status("error", old, request_id, error=self.last_error)
                return False
            self._index = new
            self._write_status("ready", new, request_id)
            return True

    def _status_path(self) -> Path:
        return self.state_dir / settings.FAQ_STATUS_FILE

    def _request_path(self) -> Path:
        return self.state_dir / settings.FAQ_RELOAD_REQUEST_FILE

    def _write_status(self, state: str, index: FaqIndex, request_id: str | None,
                      error: str | None = None, content_hash: str | None = None) -> None:
        status = {
            "state": state, "pid": os.getpid(), "request_id": request_id,
            "content_hash": content_hash or index.content_hash, "model": index.model_name,
            "entries": len(index.entries), "drafts": len(index.store.drafts),
            "build_seconds": round(index.build_seconds, 2), "error": error,
            "written_at": time.time(),
        }
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            tmp = self._status_path().with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self._status_path())
        except OSError:
            log.warning("could not write FAQ status file", exc_info=True)

    def _take_request(self) -> str | None:
        path = self._request_path()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            path.unlink(missing_ok=True)
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            return uuid.uuid4().hex
        return str(data.get("request_id") or uuid.uuid4().hex)

    def start_watcher(self, interval: float | None = None) -> None:
        """Poll faq/ (and reload requests) in a daemon thread."""
        if self._watcher is not None and self._watcher.is_alive():
            return
        self._stop.clear()
        self._write_status("ready", self._index, None)
        self._watcher = threading.Thread(
            target=self._watch, args=(interval or settings.FAQ_POLL_SECONDS,),
            name="faq-watcher", daemon=True)
        self._watcher.start()

    def stop_watcher(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=10)

    def _watch(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                request_id = self._take_request()
                if request_id or files_signature(self.faq_dir) != self._signature:
                    self.reload(request_id=request_id)
            except Exception:  # noqa: BLE001 - the watcher must outlive any one failure
                log.exception("FAQ watcher iteration failed")

    # ----- search ---------------------------------------------------------

    def normalize(self, text: str, lang: str | None = None, index: FaqIndex | None = None,
                  form: str | None = None) -> Normalized:
        """The text as it will be searched (the index's vocabulary settles spellings)."""
        index = index or self._index
        return normalize(text[: settings.MAX_MESSAGE_CHARS], form=form, lang_hint=lang,
                         vocabulary=index.vocabulary, transliterate=self.config.transliterate)

    def readings(self, text: str, lang: str | None = None,
                 index: FaqIndex | None = None) -> tuple[Reading, list[Normalized]]:
        """The message read (rasa_side.question_reading) and what to match of it.

        The form is told from the message as written; the whole message, with
        numbers typed and greetings set aside, comes first, then the question
        part when a preamble came before it.
        """
        index = index or self._index
        text = text[: settings.MAX_MESSAGE_CHARS]
        raw = self.normalize(text, lang, index)
        reading = read(text, raw.form)
        texts = [reading.whole] + ([reading.question] if reading.has_preamble else [])
        # Most messages read as they were written: their normalisation is done.
        return reading, [raw if t == text else
                         replace(self.normalize(t, lang, index, form=raw.form), original=text)
                         for t in texts]

    def entry_components(self, index: FaqIndex, text: str, key: str) -> EntryScores:
        """The scores per published entry of one text, and their parts.

        The embedding score is the best over the entry's rows, the n-gram
        score is against the entry's whole document, the classifier's is its
        probability.
        """
        return self._scores_many(index, [Normalized(text=text, key=key, form="", original=text)])[0]

    def _decide(self, index: FaqIndex, scores: EntryScores, norm: Normalized,
                allowed: np.ndarray | None) -> SearchResult:
        """Answer, "Did you mean", or the honest "no answer", by the form's thresholds.

        Buttons go only to entries close to the question: within
        `suggest_window` of the best and themselves similar to it at least by
        the form's low score.
        """
        cfg = self.config
        combined = scores.combined
        masked = combined if allowed is None else np.where(allowed, combined, -np.inf)
        similar = scores.similarity if allowed is None else np.where(allowed, scores.similarity, -np.inf)
        order = [int(i) for i in np.argsort(-masked, kind="stable")[:8] if np.isfinite(masked[i])]
        ranking = [(index.entries[i].id, float(masked[i])) for i in order]
        if not ranking:
            return SearchResult("low", None, [], norm.text, norm.original, norm.form,
                                topic_restricted=allowed is not None)
        best_i = order[0]
        best = Match(index.entries[best_i].id, index.entries[best_i].topic, float(masked[best_i]))
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        margin = best.score - second
        t = cfg.thresholds_for(norm.form, long=len(words(norm.text)) >= settings.FAQ_LONG_WORDS)
        if index.vectors is None:
            # Without the model n-grams alone are not trusted to answer.
            band = "middle" if best.score >= cfg.lexical_only_low else "low"
            low = cfg.lexical_only_low
        else:
            agree = scores.agree(allowed)
            near = float(np.max(similar))
            band = ("high" if t.answers(best.score, margin, agree) else
                    "middle" if near >= t.low else "low")
            low = t.low
        runners = [(index.entries[i].id, float(masked[i])) for i in order[1:cfg.max_suggestions]
                   if best.score - float(masked[i]) <= cfg.suggest_window and similar[i] >= low]
        return SearchResult(band, best, runners, norm.text, norm.original, norm.form,
                            ranking=ranking, topic_restricted=allowed is not None)

    def _scores_many(self, index: FaqIndex, norms: Sequence[Normalized]) -> list[EntryScores]:
        """Scores per published entry for each text.

        Each text is encoded alone: one text takes the encoder's traced
        single-text path (~15 ms), while a batch of two took the generic
        path at several times the cost.
        """
        cfg = self.config
        n = len(index.entries)
        lex = [index.lexical.scores(norm.key)[:n] for norm in norms]
        if index.vectors is None:
            return [EntryScores(x, None, x) for x in lex]
        queries = np.stack([self._encode([norm.text])[0] for norm in norms])
        emb_rows = index.vectors @ queries.T
        emb = [np.maximum.reduceat(emb_rows[:, i], index.starts) for i in range(len(norms))]
        cls: list[np.ndarray | None] = (list(index.classifier.proba(queries))
                                        if index.classifier is not None else [None] * len(norms))
        return [EntryScores(cfg.mix(e, x, c), e, x, c, cfg.mix(e, x) if c is not None else None)
                for e, x, c in zip(emb, lex, cls, strict=True)]

    def _search_normalized(self, index: FaqIndex, norm: Normalized | Sequence[Normalized],
                           topic: str | None, topic_confident: bool) -> SearchResult:
        """The decision for the best of several readings of one message.

        Each reading (the whole message, the question part) is decided alone;
        the one with the better evidence wins: the higher band, then the
        higher score.
        """
        norms = [norm] if isinstance(norm, Normalized) else list(norm)
        if not index.entries:
            return SearchResult("low", None, [], norms[0].text, norms[0].original, norms[0].form)
        best: SearchResult | None = None
        for reading, scores in zip(norms, self._scores_many(index, norms), strict=True):
            result = self._decide_in_topic(index, scores, reading, topic, topic_confident)
            if best is None or _evidence(result) > _evidence(best):
                best = result
        assert best is not None
        return replace(best, normalized=norms[0].text)

    def _decide_in_topic(self, index: FaqIndex, scores: EntryScores, norm: Normalized,
                         topic: str | None, topic_confident: bool) -> SearchResult:
        if topic_confident and topic in settings.TOPICS and len(scores.combined):
            allowed = index.topic_of == topic
            if allowed.any():
                restricted = self._decide(index, scores, norm, allowed)
                if restricted.band != "low":
                    return restricted
                # Rasa was sure of a topic none of whose entries fits: look everywhere.
        return self._decide(index, scores, norm, None)

    def search(self, text: str, lang: str | None = None, topic: str | None = None,
               topic_confident: bool = False, previous_faq_id: str | None = None) -> SearchResult:
        """The best entry for `text`, its confidence band and the runners-up.

        `lang` is the user's language (a hint for telling English from
        Latin-typed Mongolian); `topic` restricts the search when Rasa is
        confident of it; `previous_faq_id` lets a short follow-up ("and for
        Golomt?") be read together with the entry answered before.
        """
        index = self._index  # one snapshot for the whole search, even if a reload swaps it
        reading, norms = self.readings(text or "", lang, index)
        norm = norms[0]
        if not norm.text or not index.entries or not words(norm.text):
            return SearchResult("low", None, [], norm.text, norm.original, norm.form)
        result = self._with_other_need(
            index, reading, self._search_normalized(index, norms, topic, topic_confident))
        prev_pos = index.position(previous_faq_id) if previous_faq_id else None
        n_words = len(words(norm.text))
        cued = (norm.key + " ").startswith(FOLLOWUP_CUES)
        # Without a cue only a text that means nothing alone is read with the
        # last answer; "what is e-barimt?" is a new question even when short.
        if prev_pos is None or n_words > self.config.followup_max_words or (
                result.band != "low" and not cued):
            return result
        previous = index.entries[prev_pos]
        title = previous.title["en" if norm.form == "en" else "mn"]
        joined = replace(norm, text=f"{title.lower()} {norm.text}",
                         key=f"{lexical_key(title)} {norm.key}")
        followup = self._search_normalized(index, joined, topic, topic_confident)
        if followup.best is None:
            return result
        # Read together with the last answer, the text must land on that answer
        # or one it lists as related; anything else is a new question.
        fits = followup.best.faq_id in {previous.id, *previous.related}
        own_rank = BANDS.index(result.band)
        new_rank = BANDS.index(followup.band)
        own_score = result.best.score if result.best else 0.0
        # "And ..." / "тэгээд ..." says outright that the question goes on from
        # the last answer; without such a word the reading must do better.
        better = new_rank > own_rank or (
            new_rank == own_rank and (cued or followup.best.score > own_score))
        if fits and better:
            return replace(followup, normalized=norm.text, followup=True)
        return result

    def _with_other_need(self, index: FaqIndex, reading: Reading,
                         result: SearchResult) -> SearchResult:
        """The answer to the most urgent need, and the message's other need offered after it.

        "My card is gone, and a man from the bank wants the code from my
        SMS": each clause's words point at an entry (n-grams only: encoding
        every clause cost up to 150 ms a long message, p95 of the search went
        from ~30 to ~200 ms); a clause pointing at an entry near the top for
        the whole message, other than the best one, is a second need. Of the two, the
        one earlier in FAQ_URGENT_ENTRIES is answered first. Two needs in a
        close race ("Did you mean") are not a tie between readings but two
        questions: when one of them is urgent it is answered at once.
        """
        if result.band == "low" or result.best is None:
            return result
        # Only a long message tells two stories; short ones skip the extra encoding.
        if len(words(result.normalized)) < settings.FAQ_LONG_WORDS:
            return result
        parts = clauses(reading.whole)
        if len(parts) < 2:
            return result
        low = self.config.thresholds_for(result.form, long=True).low
        near = {fid for fid, score in result.ranking[:settings.FAQ_OTHER_NEED_RANK] if score >= low}
        n = len(index.entries)
        pointed: list[str] = []
        for part in parts:
            fid = index.entries[int(np.argmax(index.lexical.scores(lexical_key(part))[:n]))].id
            if fid in near and fid not in pointed:
                pointed.append(fid)
        others = [fid for fid in pointed if fid != result.best.faq_id]
        if not others or (result.band == "middle" and result.best.faq_id not in pointed):
            return result
        first, second = sorted((result.best.faq_id, others[0]), key=_urgency)
        if result.band == "middle" and _urgency(first) >= len(settings.FAQ_URGENT_ENTRIES):
            return result  # neither is urgent: the buttons let the user choose
        pos = index.position(first)
        assert pos is not None
        best = Match(first, index.entries[pos].topic, dict(result.ranking)[first])
        return replace(result, band="high", best=best, runners_up=[], also=(second,))

    # ----- content access -------------------------------------------------

    def entry(self, faq_id: str) -> FaqEntry | None:
        """A published entry; drafts are never answered, so never returned."""
        entry = self._index.store.get(faq_id)
        return entry if entry is not None and entry.published else None

    def has(self, faq_id: str) -> bool:
        return self.entry(faq_id) is not None

    def answer(self, faq_id: str, lang: str) -> str:
        """The answer in the user's language, whatever language they asked in."""
        entry = self._require(faq_id)
        return entry.answer.get(lang) or entry.answer[settings.DEFAULT_LANGUAGE]

    def title(self, faq_id: str, lang: str) -> str:
        entry = self._require(faq_id)
        return entry.title.get(lang) or entry.title[settings.DEFAULT_LANGUAGE]

    def topic(self, faq_id: str) -> str | None:
        entry = self.entry(faq_id)
        return entry.topic if entry else None

    def sources(self, faq_id: str) -> list[str]:
        entry = self.entry(faq_id)
        return list(entry.sources) if entry else []

    def related(self, faq_id: str) -> list[str]:
        """Related entries that can be offered (published ones only)."""
        entry = self.entry(faq_id)
        return [rid for rid in entry.related if self.has(rid)] if entry else []

    def topic_ids(self, topic: str) -> list[str]:
        """Published entry ids of a topic, in file order (for topic menu buttons)."""
        return [e.id for e in self._index.entries if e.topic == topic]

    def entries_for_topic(self, topic: str) -> list[FaqEntry]:
        return [e for e in self._index.entries if e.topic == topic]

    def _require(self, faq_id: str) -> FaqEntry:
        entry = self.entry(faq_id)
        if entry is None:
            raise KeyError(f"no published FAQ entry '{faq_id}'")
        return entry


def request_reload(state_dir: Path | None = None, timeout: float = 10.0,
                   sleep: Callable[[float], None] = time.sleep) -> dict[str, Any] | None:
    """Ask a running action server's watcher to reload now; its status, or None.

    Waits for the status that answers this request in state "ready" (or
    "error"); returns the last acknowledgement ("building") if the build
    outlasts `timeout`, and None if nothing answered at all.
    """
    state_dir = Path(state_dir or settings.STATE_DIR)
    state_dir.mkdir(parents=True, exist_ok=True)
    request_id = uuid.uuid4().hex
    request = state_dir / settings.FAQ_RELOAD_REQUEST_FILE
    tmp = request.with_suffix(".tmp")
    tmp.write_text(json.dumps({"request_id": request_id, "at": time.time()}), encoding="utf-8")
    os.replace(tmp, request)
    status_path = state_dir / settings.FAQ_STATUS_FILE
    deadline = time.monotonic() + timeout
    seen: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        try:
            status = json.loads(status_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            status = None
        if status and status.get("request_id") == request_id:
            seen = status
            if status.get("state") in ("ready", "error"):
                return status
        sleep(0.1)
    if seen is None:
        request.unlink(missing_ok=True)
    return seen
