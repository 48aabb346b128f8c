"""FAQ question phrasings exported as Rasa topic-intent examples (bot/maintain/faq_nlu.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.faq.store import FaqEntry
from bot.maintain import faq_nlu


def _entry(fid: str, topic: str, questions: dict[str, tuple[str, ...]], status: str = "published") -> FaqEntry:
    return FaqEntry(id=fid, topic=topic, title={"en": fid, "mn": fid}, questions=questions,
                    answer={"en": "a", "mn": "б"}, sources=("https://example.mn",), reviewed="2026-11-01",
                    status=status)


def _examples(text: str) -> dict[str, list[str]]:
    data = yaml.safe_load(text)
    return {block["intent"]: [line[2:] for line in block["examples"].splitlines()] for block in data["nlu"]}


def test_each_published_entry_teaches_its_topic_intent_in_all_three_forms() -> None:
    text = faq_nlu.render([
        _entry("block_card", "banking", {"en": ("lost my card",), "mn": ("Карт алдсан",),
                                          "mn_latn": ("kart aldsan",)}),
        _entry("id_card", "eservices", {"en": ("new ID card",), "mn": ("Иргэний үнэмлэх",),
                                         "mn_latn": ("irgenii unemleh",)}),
        _entry("draft_one", "scams", {"en": ("not yet",)}, status="draft"),
    ])
    examples = _examples(text)
    assert examples == {"ask_banking": ["lost my card", "Карт алдсан", "kart aldsan"],
                        "ask_eservices": ["new ID card", "Иргэний үнэмлэх", "irgenii unemleh"]}


def test_brackets_cannot_turn_into_entity_annotations_and_repeats_go() -> None:
    text = faq_nlu.render([_entry("x", "scams", {"en": ("is [this](link) a  scam?", "is [this](link) a scam?")})])
    assert _examples(text) == {"ask_scams": ["is (this)(link) a scam?"]}


def test_a_phrasing_hand_written_data_gives_another_intent_is_left_out() -> None:
    entry = _entry("child_money", "eservices",
                   {"mn": ("Хүүхдийн мөнгө шалгах", "Хүүхдийн мөнгөтэй бол зээл өгнө гэсэн зар үнэн үү")})
    text = faq_nlu.render([entry], {"хүүхдийн мөнгөтэй бол зээл өгнө гэсэн зар үнэн үү": "ask_scams"})
    assert _examples(text) == {"ask_eservices": ["Хүүхдийн мөнгө шалгах"]}


def test_check_reports_an_out_of_date_file(tmp_path: Path) -> None:
    out = tmp_path / "faq_questions.yml"
    assert faq_nlu.main(["--out", str(out)]) == 0
    assert faq_nlu.main(["--check", "--out", str(out)]) == 0
    out.write_text(out.read_text(encoding="utf-8") + "    - one more\n", encoding="utf-8")
    assert faq_nlu.main(["--check", "--out", str(out)]) == 1
