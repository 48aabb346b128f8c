"""FAQ retrieval with the real embedding model on fixture content.

The fixture (tests/data/faq_fixture/) is a realistic slice of faq/ with one
draft. Questions here are worded differently from the fixture phrasings, as
users word them. Skips only when the model cannot be built on this machine.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from actions.faq.retrieval import Retriever
from actions.faq.store import content_hash
from core.settings import FAQ_STATUS_FILE, TEST_DATA_DIR

FIXTURE = TEST_DATA_DIR / "faq_fixture"

NEW_ENTRY = """
  - id: ebarimt_lottery
    title:
      en: E-barimt lottery results
      mn: И-баримтын сугалааны хонжвор
    questions:
      en:
        - how do i check if i won the ebarimt lottery
        - when is the monthly ebarimt draw
        - where do i see my ebarimt lottery numbers
      mn:
        - И-баримтын сугалаанд хожсон эсэхээ яаж шалгах вэ
        - И-баримтын сарын тохирол хэзээ болдог вэ
        - Сугалааны дугаараа хаанаас харах вэ
      mn_latn:
        - ebarimt sugalaand hojson eseh yaj shalgah ve
        - ebarimt sariin tohirol hezee boldog ve
        - sugalaanii dugaaraa haanaas harah ve
    answer:
      en: The draw is monthly at 13:00. See your numbers in the ebarimt app under Сугалаа.
      mn: Тохирол сар бүр 13:00 цагт болно. Дугаараа ebarimt аппын Сугалаа цэснээс харна.
    sources:
      - https://updown.mn/202705.html
    reviewed: 2026-11-29
"""


def copy_fixture(target: Path) -> Path:
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("broken", "*.md"))
    return target


@pytest.fixture(scope="module")
def retriever(encoder, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    base = tmp_path_factory.mktemp("retrieval")
    return Retriever(copy_fixture(base / "faq"), encoder=encoder, cache_dir=base / "cache",
                     state_dir=base / "state")


@pytest.mark.parametrize(("text", "faq_id"), [
    ("I lost my bank card, what should I do?", "block_card"),
    ("kartaa hulgaid aldchihlaa yaj haah ve", "block_card"),
    ("тоон гарын үсгээ хаана авдаг вэ", "digital_signature"),
    ("which ways can I sign into e-mongolia", "emongolia_login"),
    ("bank dampuurval mungu maань yah ve", "deposit_insurance"),
    ("a text from a strange number says my account is locked and has a link", "phishing_sms"),
])
def test_question_in_any_form_gets_its_answer(retriever: Retriever, text: str, faq_id: str) -> None:
    result = retriever.search(text)
    assert result.band == "high"
    assert result.best.faq_id == faq_id


def test_answer_comes_in_the_users_language(retriever: Retriever) -> None:
    result = retriever.search("I lost my bank card, what should I do?", lang="mn")
    assert result.form == "en"
    assert retriever.answer(result.best.faq_id, "mn").startswith("1. Картаа")
    assert retriever.answer(result.best.faq_id, "en").startswith("1. Block the card")


def test_latin_mongolian_is_searched_in_cyrillic(retriever: Retriever) -> None:
    result = retriever.search("Kartaa hulgaid aldchihlaa!!")
    assert result.form == "mn_latn"
    assert result.normalized == "картаа хулгайд алдчихлаа!"
    assert result.original == "Kartaa hulgaid aldchihlaa!!"


def test_draft_entries_are_never_answered(retriever: Retriever) -> None:
    # Worded exactly like the draft's own phrasing.
    result = retriever.search("golomt card block online")
    assert "golomt_card_online" not in [fid for fid, _ in result.ranking]
    assert result.best.faq_id != "golomt_card_online"
    assert retriever.entry("golomt_card_online") is None
    assert not retriever.has("golomt_card_online")
    assert "golomt_card_online" not in retriever.topic_ids("banking")
    with pytest.raises(KeyError):
        retriever.answer("golomt_card_online", "en")


def test_unrelated_text_is_not_answered(retriever: Retriever) -> None:
    for text in ("what will the weather be tomorrow in Darkhan", "hello", "👍", ""):
        assert retriever.search(text).band != "high", text
    assert retriever.search("").best is None


def test_very_long_message_is_handled(retriever: Retriever) -> None:
    result = retriever.search("kartaa geechihlee " * 1000)
    assert result.best.faq_id == "block_card"


def test_confident_topic_restricts_the_search(retriever: Retriever) -> None:
    text = "someone from the bank asked for the code in my sms"
    free = retriever.search(text)
    assert free.best.faq_id == "never_share_codes"
    restricted = retriever.search(text, topic="scams", topic_confident=True)
    assert restricted.topic_restricted
    assert {fid for fid, _ in restricted.ranking} <= {"phishing_sms", "report_fraud"}
    # A topic Rasa is not sure of does not restrict.
    assert retriever.search(text, topic="scams", topic_confident=False).best.faq_id == "never_share_codes"


def test_did_you_mean_offers_at_most_three_close_entries(retriever: Retriever) -> None:
    # Card and code: two entries fit, neither clearly ahead.
    result = retriever.search("my bank card and the code")
    assert result.band == "middle"
    assert result.suggestions[0] == result.best.faq_id
    assert 1 <= len(result.suggestions) <= 3
    low = retriever.config.thresholds_for(result.form).low
    for _fid, score in result.runners_up:
        assert result.best.score - score <= retriever.config.suggest_window
        assert score >= low  # never a button far from the question


@pytest.mark.parametrize(("text", "previous"), [
    ("and for Golomt?", "block_card"),
    ("тэгээд Төрийн банк бол?", "block_card"),
    ("тэгээд хэдэн төгрөг вэ?", "digital_signature"),
    ("tegeed hed tugrug ve", "digital_signature"),
])
def test_short_follow_up_uses_the_previous_answer(retriever: Retriever, text: str,
                                                  previous: str) -> None:
    alone = retriever.search(text)
    assert not (alone.band == "high" and alone.best.faq_id == previous)
    followed = retriever.search(text, previous_faq_id=previous)
    assert followed.followup
    assert followed.band == "high"
    assert followed.best.faq_id == previous
    assert followed.normalized == alone.normalized


def test_a_new_question_is_not_bent_towards_the_previous_answer(retriever: Retriever) -> None:
    result = retriever.search("is the digital signature free?", previous_faq_id="block_card")
    assert result.best.faq_id == "digital_signature"
    assert not result.followup


def test_topic_listing_and_content_access(retriever: Retriever) -> None:
    assert retriever.topic_ids("banking") == ["block_card", "never_share_codes", "deposit_insurance"]
    assert retriever.topic("phishing_sms") == "scams"
    assert retriever.sources("block_card")[0] == "https://news.mn/r/2478487"
    assert retriever.related("block_card") == ["never_share_codes"]
    assert retriever.title("emongolia_login", "mn") == "И-Монголд нэвтрэх"


class GatedEncoder:
    """The real encoder, except that index builds wait at a gate we control."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.gate_closed = False
        self.build_waiting = threading.Event()
        self.release = threading.Event()
        self.build_calls = 0

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if len(texts) > 1:
            self.build_calls += 1
            if self.gate_closed:
                self.build_waiting.set()
                assert self.release.wait(60), "test never released the build"
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)


@pytest.fixture
def live(encoder, tmp_path: Path) -> Iterator[tuple[Retriever, GatedEncoder, Path]]:
    faq = copy_fixture(tmp_path / "faq")
    gated = GatedEncoder(encoder)
    r = Retriever(faq, encoder=gated, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    yield r, gated, faq
    gated.release.set()
    r.stop_watcher()


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_edit_is_picked_up_in_background_without_blocking_search(live) -> None:
    r, gated, faq = live
    old_hash = r.index.content_hash
    r.start_watcher(interval=0.1)
    gated.gate_closed = True
    with open(faq / "eservices.yml", "a", encoding="utf-8") as fh:
        fh.write(NEW_ENTRY)
    assert gated.build_waiting.wait(30), "the watcher did not start a rebuild"

    # The rebuild is stuck at the gate; a user's question is still answered at once,
    # from the old content.
    started = time.monotonic()
    during = r.search("is the digital signature free?")
    assert time.monotonic() - started < 5
    assert during.best.faq_id == "digital_signature"
    assert r.index.content_hash == old_hash
    assert not r.has("ebarimt_lottery")

    gated.release.set()
    wait_for(lambda: r.index.content_hash != old_hash)
    after = r.search("ebarimt sugalaand hojson esehee haana harah ve")
    assert after.best.faq_id == "ebarimt_lottery"
    status = json.loads((r.state_dir / FAQ_STATUS_FILE).read_text(encoding="utf-8"))
    assert status["state"] == "ready"
    assert status["content_hash"] == content_hash(faq)
    assert status["entries"] == 8


def test_broken_edit_keeps_the_old_content_serving(live) -> None:
    r, _gated, faq = live
    good = (faq / "scams.yml").read_text(encoding="utf-8")
    (faq / "scams.yml").write_text(good.replace("  - id: report_fraud", "  - id: [report_fraud"),
                                   encoding="utf-8")
    assert r.reload() is False
    status = json.loads((r.state_dir / FAQ_STATUS_FILE).read_text(encoding="utf-8"))
    assert status["state"] == "error"
    assert "scams.yml" in status["error"]
    assert r.search("where do i report an online scam").best.faq_id == "report_fraud"

    (faq / "scams.yml").write_text(good.replace("102", "102 or the 102 Police app"), encoding="utf-8")
    assert r.reload() is True
    assert "102 Police app" in r.answer("report_fraud", "en")


def test_publishing_a_draft_makes_it_answerable(live) -> None:
    r, _gated, faq = live
    path = faq / "banking.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("    status: draft\n", ""), encoding="utf-8")
    assert r.reload() is True
    assert r.search("how can I block my golomt card on egolomt").best.faq_id == "golomt_card_online"


def test_restart_with_unchanged_content_embeds_nothing(encoder, tmp_path: Path) -> None:
    faq = copy_fixture(tmp_path / "faq")
    first = GatedEncoder(encoder)
    Retriever(faq, encoder=first, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    assert first.build_calls > 0
    second = GatedEncoder(encoder)
    again = Retriever(faq, encoder=second, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    assert second.build_calls == 0
    assert again.search("kartaa geechihlee").best.faq_id == "block_card"


def test_without_the_model_only_suggestions_are_offered(tmp_path: Path) -> None:
    r = Retriever(copy_fixture(tmp_path / "faq"), encoder=None, cache_dir=tmp_path / "cache",
                  state_dir=tmp_path / "state")
    result = r.search("kartaa geechihlee yah ve")
    assert result.band == "middle"
    assert result.best.faq_id == "block_card"


def test_empty_faq_folder_gives_no_answer_and_no_crash(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    r = Retriever(tmp_path / "faq", encoder=None, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    result = r.search("kartaa geechihlee yah ve")
    assert result.band == "low" and result.best is None
    assert r.topic_ids("banking") == []


def test_word_overlap_scores_match_the_fitted_vectorizer() -> None:
    # The lexical half of every search is computed without sklearn's transform;
    # it must rank entries exactly as the vectorizer would, or answers change.
    from actions.faq.retrieval import LexicalIndex, lexical_key

    texts = ["e-Mongolia-д нэвтрэх нууц үг", "dansaa hamgaalah", "block a lost card at night",
             "Шагнал хожсон гэсэн мессеж", "хураамж", ""]
    index = LexicalIndex([lexical_key(t) for t in texts])
    for query in ["e-mongolia nevtreh", "картаа хаалгах", "lost card", "", "zzqq", "Шагнал шагнал шагнал"]:
        key = lexical_key(query)
        fitted = index._vectorizer.transform([key or " "]).toarray().ravel()
        assert np.allclose(index.query_vector(key), fitted, atol=1e-6)
        assert np.allclose(index.scores(key), index._matrix @ fitted, atol=1e-6)
    assert index.scores(lexical_key("lost card")).argmax() == 2
