"""Tense and direction: a notice of what was paid is not a demand to pay; an OTP
message that says "do not share" is genuine and one asking for the code back is
not; the phrase file's rules and masked text behave like the built-in rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.scam import phrases as scam_phrases
from actions.scam import signals as sig
from actions.scam.checker import ScamChecker
from core.privacy import mask_pii


@pytest.fixture(scope="module")
def checker() -> ScamChecker:
    return ScamChecker(use_encoder=False)


NOTICES = [
    ("en", "The 2,000 MNT registration fee for your job application has been paid."),
    ("en", "Golomt: an annual card fee of 10,000 MNT was charged to account ending 1192."),
    ("en", "Your parcel cleared customs; the customs duty was paid by the sender."),
    ("mn", "Таны нийгмийн даатгалын шимтгэл 98,560₮ ажил олгогчоос төлөгдлөө."),
    ("mn", "Гэрээний хураамж 20 000₮ төлөгдсөн байна. Зээл тань дансанд орлоо."),
    ("mn", "tanii burtgeliin huraamj 5000 tug amjilttai tulugdluu, shagnal 2 sariin 1-nd olgono"),
]
DEMANDS = [
    ("en", "Pay the 2,000 MNT registration fee to receive your loan."),
    ("en", "The customs fee for your parcel has not been paid. Pay 4,500 MNT today to release it."),
    ("mn", "Зээлээ авахын тулд гэрээний хураамж 20 000₮-ийг урьдчилан шилжүүлнэ үү."),
    ("mn", "Илгээмжийн гаалийн хураамж төлөгдөөгүй байна. 5 800₮-ийг өнөөдөр төлнө үү."),
    ("mn", "shagnalaa avahiin tuld burtgeliin huraamj 5000 tug tulnu uu"),
]


@pytest.mark.parametrize(("lang", "text"), NOTICES)
def test_a_notice_of_payment_is_not_a_demand(checker: ScamChecker, lang: str, text: str) -> None:
    assert checker.check(text, lang).verdict == "no_red_flags"


@pytest.mark.parametrize(("lang", "text"), DEMANDS)
def test_a_demand_to_pay_is_flagged(checker: ScamChecker, lang: str, text: str) -> None:
    result = checker.check(text, lang)
    assert result.verdict == "likely_scam"
    assert {"upfront_fee", "release_fee"} & set(result.signals)


@pytest.mark.parametrize(("lang", "genuine", "scam"), [
    ("en", "Your verification code is 482913. Do not share this code with anyone.",
     "Your verification code is on its way. Reply to this message with the code to confirm."),
    ("mn", "Таны баталгаажуулах код 482913. Энэ кодыг хэнд ч бүү хэлээрэй.",
     "Танд ирсэн баталгаажуулах кодыг энэ дугаарт хариу бичээд явуулаарай."),
    ("mn", "tanii batalgaajuulah kod 482913, ene kodiig hend ch bitgii hel",
     "tand irsen kodiig nadad yavuulaad ugooch"),
])
def test_otp_notice_versus_request_for_the_code(
    checker: ScamChecker, lang: str, genuine: str, scam: str
) -> None:
    assert checker.check(genuine, lang).verdict == "no_red_flags"
    assert "asks_secret" in checker.check(scam, lang).signals


@pytest.mark.parametrize(("lang", "text", "signal"), [
    ("en", "Bank support here. Install AnyDesk and tell me the number it shows.", "remote_access"),
    ("mn", "Дэлгэцээ хуваалцаад намайг хэлэхээр дарж байгаарай, засаад өгнө.", "remote_access"),
    ("en", "Police: move your savings to the safe account we give you today.", "safe_account"),
    ("mn", "Мөнгөө хамгаалахын тулд хяналтын данс руу шилжүүлнэ үү.", "safe_account"),
    ("en", "Pick a number from 1 to 300 and transfer 2,000 MNT per number.", "paid_lottery"),
    ("mn", "hairtai mini ongotsnii tiiz avah 800 dollar heregtei bna, yavuulaach", "romance_money"),
])
def test_phrase_file_signals(checker: ScamChecker, lang: str, text: str, signal: str) -> None:
    assert signal in checker.check(text, lang).signals


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "Khan Bank: never install AnyDesk or TeamViewer when a caller asks you to."),
    ("mn", "Анидеск, TeamViewer зэрэг аппыг танихгүй хүний үгээр бүү суулгаарай."),
    ("en", "Police: fraudsters ask people to move money to a safe account. We never do this."),
    ("mn", "Залилагчид мөнгөө аюулгүй данс руу шилжүүл гэж хэлдэг. Цагдаа хэзээ ч ингэдэггүй."),
])
def test_safety_tips_that_name_the_trick_are_not_scams(
    checker: ScamChecker, lang: str, text: str
) -> None:
    assert checker.check(text, lang).verdict == "no_red_flags"


def test_a_warning_with_an_account_to_pay_into_is_still_a_scam(checker: ScamChecker) -> None:
    text = ("Fraudsters attack your card, we never let that happen. Transfer your balance to "
            "the safe account 5099887711 now.")
    assert checker.check(text, "en").verdict == "likely_scam"


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "Please help, little Saraa needs surgery. Donate to her aunt's account 5012348765."),
    ("mn", "Хүүгийн хагалгаанд хандив цуглуулж байна. 5034567812 данс, эзэмшигч Туяа."),
])
def test_masked_text_keeps_its_flags(checker: ScamChecker, lang: str, text: str) -> None:
    masked = mask_pii(text)
    assert "[account no.]" in masked
    assert checker.check(masked, lang).signals == checker.check(text, lang).signals != []


def test_a_maintainer_adds_a_phrase_without_python(tmp_path: Path) -> None:
    data = {"groups": [
        {"id": "new_app", "signal": "remote_access", "phrases": {"en": ["supportdesk pro"],
                                                                  "mn": ["саппорт деск"]}},
        {"id": "bad", "signal": "no_such_signal", "phrases": {"en": ["x"]}},
    ]}
    rules = scam_phrases.rules_from(data)
    assert {r.view for r in rules} == {"en", "mn"}
    text = "Install SupportDesk Pro so I can fix your bank app"
    views = {"en": sig.en_view(text), "mn": sig.mn_view(text)}
    assert [h.signal for h in sig.run_rules(text, views, False, rules)] == ["remote_access"]
    text_mn = "sapport desk suulgaad ugooch"
    views = {"en": sig.en_view(text_mn), "mn": sig.mn_view(text_mn)}
    assert [h.signal for h in sig.run_rules(text_mn, views, False, rules)] == ["remote_access"]
