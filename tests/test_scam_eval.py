"""The evaluation set is big, balanced and independent of the pattern library,
and the evaluation command reports what it promises."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from actions.scam.checker import PATTERNS_FILE
from bot.maintain import scam_eval
from core.settings import QUESTION_FORMS


@pytest.fixture(scope="module")
def items() -> list[scam_eval.Item]:
    return scam_eval.load_items(scam_eval.DEFAULT_DATA)


def test_set_is_large_and_covers_every_form(items: list[scam_eval.Item]) -> None:
    counts = Counter((i.label, i.form) for i in items)
    assert sum(v for (label, _), v in counts.items() if label == "scam") >= 60
    assert sum(v for (label, _), v in counts.items() if label == "genuine") >= 60
    for form in QUESTION_FORMS:
        assert counts[("scam", form)] >= 15 and counts[("genuine", form)] >= 15, form


def test_hard_genuine_cases_are_included(items: list[scam_eval.Item]) -> None:
    notes = " ".join(i.note for i in items if i.label == "genuine")
    for kind in ("otp", "alert", "branch", "e-mongolia", "ebarimt", "friend", "official link"):
        assert kind in notes, kind


def _trigrams(text: str) -> set[str]:
    s = " ".join(re.findall(r"\w+", text.lower()))
    return {s[i:i + 3] for i in range(len(s) - 2)}


def test_eval_messages_are_not_copied_into_the_pattern_library(
    items: list[scam_eval.Item],
) -> None:
    data = yaml.safe_load(Path(PATTERNS_FILE).read_text(encoding="utf-8"))
    library = [x for p in data["patterns"] + data["genuine"]
               for texts in p["examples"].values() for x in texts]
    lib_grams = [_trigrams(x) for x in library]
    for item in items:
        grams = _trigrams(item.text)
        for other, text in zip(lib_grams, library):
            overlap = len(grams & other) / max(1, len(grams | other))
            assert overlap < 0.5, (item.text, text)


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "eval.yml"
    path.write_text(yaml.safe_dump({"items": rows}, allow_unicode=True), encoding="utf-8")
    return path


def test_eval_prints_the_figures_and_passes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = _write(tmp_path, [
        {"text": "Please send me the code you got", "lang": "en", "form": "en",
         "label": "scam", "note": "code"},
        {"text": "Your card is ready at the branch", "lang": "en", "form": "en",
         "label": "genuine", "note": "branch"},
    ])
    code = scam_eval.main(["--data", str(path), "--rules-only", "--repeats", "1",
                           "--max-p95-ms", "60000"])
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"^all\s+recall 1\.000 \(1/1\)\s+any flag on genuine 0\.000 \(0/1\)\s+"
                     r"likely_scam on genuine 0\.000 \(0/1\)", out, re.M)
    assert re.search(r"p50 [\d.]+ ms, p95 [\d.]+ ms", out)
    assert "Misses" not in out


def test_eval_lists_misses_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = _write(tmp_path, [
        {"text": "Shall we meet for lunch on Friday?", "lang": "en", "form": "en",
         "label": "scam", "note": "mislabelled on purpose"},
        {"text": "Send me the code now, my number is 99112233", "lang": "en", "form": "en",
         "label": "genuine", "note": "mislabelled on purpose"},
    ])
    code = scam_eval.main(["--data", str(path), "--rules-only", "--repeats", "1",
                           "--max-p95-ms", "60000"])
    out = capsys.readouterr().out
    assert code == 1
    assert "missed scam" in out and "false alarm" in out
    assert "99112233" not in out  # misses are printed masked
    assert "NOT met" in out


def test_bad_label_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"text": "x", "lang": "en", "form": "en", "label": "maybe"}])
    with pytest.raises(ValueError, match="label"):
        scam_eval.load_items(path)


def test_held_out_set_is_judged_alone_and_per_type(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    """Targets are met or missed on the held-out set; a type never caught fails."""
    path = _write(tmp_path, [
        {"text": "Please send me the code you got", "lang": "en", "form": "en",
         "label": "scam", "note": "code", "type": "code_request", "set": "final"},
        {"text": "Shall we meet for lunch on Friday?", "lang": "en", "form": "en",
         "label": "scam", "note": "missed", "type": "romance", "set": "final"},
        {"text": "Your card is ready at the branch", "lang": "en", "form": "en",
         "label": "genuine", "note": "branch", "set": "final"},
        # A dev miss does not count against the held-out targets.
        {"text": "Lovely weather", "lang": "en", "form": "en", "label": "scam", "note": "dev"},
    ])
    code = scam_eval.main(["--data", str(path), "--rules-only", "--repeats", "1",
                           "--max-p95-ms", "60000"])
    out = capsys.readouterr().out
    assert code == 1
    assert re.search(r"^set:final\s+recall 0\.500 \(1/2\)", out, re.M)
    assert "scam types never caught: romance" in out


def test_masked_option_masks_before_checking(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = _write(tmp_path, [
        {"text": "Send the code 482913 to 99112233 now", "lang": "en", "form": "en",
         "label": "scam", "note": "code"},
    ])
    scam_eval.main(["--data", str(path), "--rules-only", "--repeats", "1", "--masked", "--verbose"])
    out = capsys.readouterr().out
    assert "text MASKED" in out
