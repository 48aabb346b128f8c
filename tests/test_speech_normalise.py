"""What the voice says for what the bot writes, in both languages.

Each row is something a listener would notice: a phone number that cannot
be dialled from what was heard, a link read out character by character,
an amount in the wrong unit, English letters spelled out in a Mongolian
sentence.
"""

from __future__ import annotations

import re

import pytest

from bot.speech import normalise as n

EN = [
    # phone numbers: digit by digit, in dialling groups
    ("Call 1800-1917.", "Call 1 8 0 0, 1 9 1 7."),
    ("From abroad: +976 11304258", "From abroad: plus 9 7 6, 1 1 3 0, 4 2 5 8."),
    ("Abroad 976-7223-9999 or 70161988", "Abroad 9 7 6, 7 2 2 3, 9 9 9 9 or 7 0 1 6, 1 9 8 8."),
    ("Landline 11-320502", "Landline 1 1, 3 2 0 5 0 2."),
    ("Call the police on 102. We helped 102 people.", "Call the police on 1 0 2. We helped 102 people."),
    ("Type /voice to hear the answers.", "Type slash voice to hear the answers."),
    ("If it fails, try adding +976 before the number.", "If it fails, try adding plus 9 7 6 before the number."),
    # the source line under an FAQ answer is shown, not read
    ("Call the police on 102.\n\nSource: https://ubn.mn/p/57038", "Call the police on 1 0 2."),
    # not phone numbers
    ("Reviewed 2019-03-16", "Reviewed 2019-03-16."),
    ("In 2016-2017 it grew", "In 2016 to 2017 it grew."),
    ("1–10 receipts", "1 to 10 receipts."),
    # links: the domain, with "dot"
    ("See https://www.e-mongolia.mn/services/passport?id=3.", "See e-mongolia dot mn."),
    ("Open e-mongolia.mn now", "Open e-mongolia dot mn now."),
    ("Write to help@khanbank.com", "Write to help at khanbank dot com."),
    ("[E-Mongolia](https://e-mongolia.mn) has it", "E-Mongolia has it."),
    # numbered steps and bullets
    ("1. Block the card\n2. Call your bank", "Step 1. Block the card. Step 2. Call your bank."),
    ("Do this:\n1) Stop\n- Think", "Do this: Step 1. Stop. Think."),
    # money
    ("The prize is 30,000₮.", "The prize is 30000 tögrög."),
    ("Over 2 million MNT", "Over 2 million tögrög."),
    ("MNT 66.4 bn was lost", "66.4 billion tögrög was lost."),
    ("60.8% online", "60.8 percent online."),
    ("1,124,564 citizens", "1124564 citizens."),
    # markup and emoji
    ("**Never** share your `PIN`", "Never share your PIN."),
    ("<b>Bank</b> &amp; police", "Bank and police."),
    ("⚠️ Scam 😀🙏🏽", "Warning. Scam."),
    ("# Lost card", "Lost card."),
    # Cyrillic in an English answer is read, not spelled as character names
    ("Open Үйлчилгээ → Карт блоклох", "Open Uilchilgee, Kart bloklokh."),
]

MN = [
    ("1800-1917 дугаарт залгана уу", "нэг найм тэг тэг, нэг ес нэг долоо дугаарт залгана уу."),
    ("Цагдаагийн 102 дугаарт", "Цагдаагийн нэг тэг хоёр дугаарт."),
    ("Гадаадаас: +976 7016-1988.", "Гадаадаас: нэмэх ес долоо зургаа, долоо тэг нэг зургаа, нэг ес найм найм."),
    ("Асаах бол /voice гэж бичнэ үү.", "Асаах бол налуу зураас войс гэж бичнэ үү."),
    ("Дугаарын өмнө +976 нэмж залгаарай.", "Дугаарын өмнө нэмэх ес долоо зургаа нэмж залгаарай."),
    ("Цагдаагийн 102 дугаарт залгаарай.\n\nЭх сурвалж: https://ubn.mn/p/57038",
     "Цагдаагийн нэг тэг хоёр дугаарт залгаарай."),
    ("1. Картаа хаа\n2. Банкандаа залга", "Нэгдүгээрт, Картаа хаа. Хоёрдугаарт, Банкандаа залга."),
    ("https://www.e-mongolia.mn/service руу орно уу", "и-монголиа цэг эм эн руу орно уу."),
    ("help@khanbank.com руу бич", "хэлп эт хаан банк цэг ком руу бич."),
    ("Шагнал 30,000₮.", "Шагнал гучин мянган төгрөг."),
    ("MNT 2 bn", "хоёр тэрбум төгрөг."),
    ("60.8% нь онлайн", "жаран цэг найм хувь нь онлайн."),
    ("SMS, PIN код, Google, Khan Bank-ны апп", "эс эм эс, пин код, гүүгл, хаан банкны апп."),
    ("17 хоног, 1500 хүн, 2-р алхам", "арван долоон хоног, нэг мянга таван зуун хүн, хоёрдугаар алхам."),
    ("1-10 баримт", "нэгээс арав хүртэл баримт."),
    ("10:30 цагт ирнэ", "арван цаг гучин минутад ирнэ."),
    ("⚠️ **Анхаар!** 😀", "Анхааруулга. Анхаар!"),
]


@pytest.mark.parametrize(("text", "spoken"), EN)
def test_english(text: str, spoken: str) -> None:
    assert n.prepare(text, "en") == spoken


@pytest.mark.parametrize(("text", "spoken"), MN)
def test_mongolian(text: str, spoken: str) -> None:
    assert n.prepare(text, "mn") == spoken


def test_amount_stage_keeps_the_number_for_both_languages() -> None:
    # Before Mongolian numbers become words, the amount reads as the issue asks.
    assert n.read_amounts("30,000₮", "en") == "30000 tögrög"
    assert n.read_amounts("30,000₮", "mn") == "30000 төгрөг"


def test_phone_stage_reads_groups_in_both_languages() -> None:
    assert n.read_phones("1800-1917", "en") == "1 8 0 0, 1 9 1 7"
    assert n.read_phones("1800-1917", "mn") == "нэг найм тэг тэг, нэг ес нэг долоо"


def test_step_phrases() -> None:
    assert n.step_phrase(1, "en") == "Step 1."
    assert n.step_phrase(1, "mn") == "Нэгдүгээрт,"
    assert n.step_phrase(12, "mn") == "Арван хоёрдугаарт,"


@pytest.mark.parametrize("lang", ["en", "mn"])
def test_nothing_to_say(lang: str) -> None:
    assert n.prepare("", lang) == ""
    assert n.prepare("😀🙏 👍", lang) == ""


# Real FAQ answers, plus awkward ones, must come out in the voice's own
# script with no markup left: a Mongolian voice spells Latin letters out
# and misreads digits; an English voice reads Cyrillic as character names.
AWKWARD = {
    "mn": "⚠️ **E-Mongolia**-д нэвтэрч, https://t.me/khotoch_bot ба 1800-1917 руу 3 удаа 20,000₮ (TDB).",
    "en": "⚠️ **Хөтөч**: visit https://t.me/khotoch_bot | call 1800-1917, pay 20,000₮ [link](http://x.mn).",
}
LEFTOVER = {
    "mn": re.compile(r"[A-Za-z0-9]|[*_#|<>\[\]/\\@`~]|https?"),
    "en": re.compile(r"[А-Яа-яЁёӨөҮү]|[*_#|<>\[\]\\@`~]|https?|/"),
}


def _answers() -> list[tuple[str, str, str]]:
    from bot.speech.cli import faq_answers

    return [("awkward", lang, text) for lang, text in AWKWARD.items()] + list(faq_answers())


@pytest.mark.parametrize(("entry", "lang", "text"), _answers())
def test_answers_come_out_in_the_voice_script(entry: str, lang: str, text: str) -> None:
    spoken = n.prepare(text, lang)
    assert spoken
    assert not LEFTOVER[lang].findall(spoken), spoken
