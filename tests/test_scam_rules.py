"""Each red flag is found in English, Cyrillic and Latin-typed Mongolian, and
the explanation quotes the words of the message that triggered it; genuine
notifications get no flag at all.

The checker runs on rules alone here (use_encoder=False), so these tests show
what the rules catch without the sentence model.
"""

from __future__ import annotations

import pytest

from actions.scam.checker import LIKELY_SCAM, NO_RED_FLAGS, SUSPICIOUS, ScamChecker

# (signal, lang of the answer, message, words the explanation must quote)
FLAGS = [
    ("asks_secret", "en", "Please send me the 6-digit code you just received.",
     "send me the 6-digit code"),
    ("asks_secret", "en", "Enter your card number and CVV on our page to continue.",
     "card number and CVV"),
    ("asks_secret", "mn", "Таны утсанд ирсэн кодыг надад явуулаарай.", "кодыг надад явуулаарай"),
    ("asks_secret", "mn", "utsand chin irsen kodiig nadad yavuulaarai", "kodiig nadad yavuulaarai"),
    ("code_sent_by_mistake", "en",
     "I sent my verification code to your number by mistake, can you pass it on?",
     "to your number by mistake"),
    ("code_sent_by_mistake", "mn", "Миний код таны дугаар руу андуурч очсон байна.", "андуурч очсон"),
    ("code_sent_by_mistake", "mn", "mini kod tanii dugaar ruu anduurch ochson bna",
     "anduurch ochson"),
    ("upfront_fee", "en",
     "Your loan is approved. Pay the 40,000 MNT processing fee to receive the money.",
     "processing fee"),
    ("upfront_fee", "mn", "Зээлээ авахын тулд 40 мянган төгрөгийн хураамж төлнө үү.",
     "хураамж төлнө үү"),
    ("upfront_fee", "mn", "zeelee avahiin tuld 40 myangan tugrugiin huraamj tulnu uu",
     "huraamj tulnu uu"),
    ("urgency", "en", "Reply within 24 hours or your place goes to the next person.",
     "within 24 hours"),
    ("urgency", "en", "Hurry, someone else is waiting for this flat.", "someone else is waiting"),
    ("urgency", "mn", "Захиалгаа 24 цагийн дотор баталгаажуулна уу.", "24 цагийн дотор"),
    ("urgency", "mn", "zahialgaa 24 tsagiin dotor batalgaajuulna uu", "24 tsagiin dotor"),
    ("secrecy", "en", "I can't talk on the phone, chat only please.", "chat only"),
    ("secrecy", "mn", "Надад битгий залгаарай, зөвхөн чатаар бичээрэй.", "битгий залгаарай"),
    ("secrecy", "mn", "nadad bitgii zalgaarai, zovhon chataar bicheerei", "bitgii zalgaarai"),
    ("short_link", "en", "Details here: bit.ly/4kP2x", "bit.ly/4kP2x"),
    ("short_link", "mn", "Дэлгэрэнгүйг эндээс: tinyurl.com/abc12", "tinyurl.com/abc12"),
    ("short_link", "mn", "delgerenguig endees harna uu cutt.ly/xyz9", "cutt.ly/xyz9"),
    ("lookalike_domain", "en", "Log in at khanbank-mn.com to continue.", "khanbank-mn.com"),
    ("lookalike_domain", "mn", "e-mongolia.com хаягаар орно уу.", "e-mongolia.com"),
    ("lookalike_domain", "mn", "khan-bank.help saitaar orno uu", "khan-bank.help"),
    ("login_link", "en", "Your account is blocked. Unlock it at secure-login-help.com",
     "Your account is blocked"),
    ("login_link", "mn", "Таны данс хаагдлаа. secure-login-help.com хаягаар орж сэргээнэ үү.",
     "Таны данс хаагдлаа"),
    ("login_link", "mn", "tanii dans haagdlaa, secure-login-help.com hayagaar orj sergeene uu",
     "tanii dans haagdlaa"),
    ("personal_account", "en", "Pay the fine to the officer's personal account 5012345678.",
     "personal account"),
    ("personal_account", "mn", "Торгуулиа хувь хүний данс руу шилжүүлнэ үү.", "хувь хүний данс"),
    ("personal_account", "mn", "torguuliig huviin dans ruu shiljuulne uu", "huviin dans"),
    ("guaranteed_returns", "en", "Invest today and get 5% daily profit, guaranteed.", "5% daily"),
    ("guaranteed_returns", "en", "Reach VIP level 3 for bigger bonuses.", "VIP level 3"),
    ("guaranteed_returns", "mn", "Өдөрт 5% ашиг баталгаатай.", "Өдөрт 5% ашиг"),
    ("guaranteed_returns", "mn", "udurt 5% ashig batalgaatai", "udurt 5% ashig"),
    ("paid_tasks", "en", "Earn 50,000 a day, just complete simple tasks on Telegram.",
     "simple tasks"),
    ("paid_tasks", "mn", "Даалгавар биелүүлээд өдөрт 50 мянган төгрөгийн орлого олоорой.",
     "Даалгавар биелүүлээд"),
    ("paid_tasks", "mn", "daalgavar biyluuleed udurt 50 myangan tugrugiin orlogo oloorai",
     "daalgavar biyluuleed"),
    ("friend_money", "en", "It's me, I'm at the hospital, please send me 200k urgently.",
     "send me 200k urgently"),
    ("friend_money", "mn", "Ах нь эмнэлэгт байна, 200 мянга яаралтай шилжүүлээд өгөөч.",
     "200 мянга яаралтай шилжүүлээд өгөөч"),
    ("friend_money", "mn", "ah n emnelegt bna, 200 myanga yaraltai shiljuuleed ugch",
     "200 myanga yaraltai shiljuuleed ugch"),
    ("unentered_prize", "en", "Congratulations, you have won a new car in our lucky draw!",
     "you have won a new car"),
    ("unentered_prize", "mn", "Баяр хүргэе, таны дугаар азтанаар шалгарч машин хожлоо!",
     "азтанаар шалгарч"),
    ("unentered_prize", "mn", "bayar hurgey, tanii dugaar aztanaar shalgarch mashin hojloo",
     "aztanaar shalgarch"),
]

# Real notifications that look a little like scams; none may get a flag.
GENUINE = [
    ("en", "Khan Bank: 704215 is your login code. Never share this code with anyone."),
    ("en", "Card *4417: purchase 32,500 MNT at CU 14:02. Balance 411,920 MNT."),
    ("en", "Your new card is ready. Please collect it at your branch with your ID card."),
    ("en", "Log in to e-mongolia.mn yourself to see the decision on your request."),
    ("en", "Download our app from https://www.khanbank.com or the App Store."),
    ("en", "Bank staff will never ask for your PIN, CVV or password. If someone does, call 102."),
    ("en", "I sent back the 20k from lunch, thanks!"),
    ("mn", "Хаан банк: нэвтрэх код 592044. Энэ кодыг хэнд ч бүү хэлээрэй."),
    ("mn", "Таны дансанд 75 000₮ орлоо. Шилжүүлэгч: Г.Номин."),
    ("mn", "Шинэ карт тань бэлэн болсон, салбартаа ирж авна уу."),
    ("mn", "Шийдвэрийг e-mongolia.mn-д өөрөө нэвтэрч харна уу."),
    ("mn", "И-баримт: Таны сугалаа 40 000₮-ийн шагнал хожлоо. Аппын Сугалаа цэснээс харна уу."),
    ("mn", "Банкны ажилтан таны ПИН код, нууц үгийг хэзээ ч асуудаггүй."),
    ("mn", "Ээжээ, цалин буулаа, ням гаригт мөнгө аваад очно."),
    ("mn", "khan bank: nevtreh kod 310882. ene kodiig hend ch buu hel."),
    ("mn", "tanii dansand 150000 tug orloo. ilgeegch: B.Ganbat"),
    ("mn", "shine kart belen bolson, salbart irj avna uu"),
    ("mn", "kinonii 15 myangaa zav garahaar shiljuulchihee, yaarah hereggui"),
]


@pytest.fixture(scope="module")
def checker() -> ScamChecker:
    return ScamChecker(use_encoder=False)


@pytest.mark.parametrize(("signal", "lang", "text", "fragment"), FLAGS)
def test_red_flag_is_found_and_quoted(
    checker: ScamChecker, signal: str, lang: str, text: str, fragment: str
) -> None:
    result = checker.check(text, lang)
    assert signal in result.signals, result.signals
    explanation = result.explanations[result.signals.index(signal)]
    assert fragment in explanation
    assert result.verdict in (LIKELY_SCAM, SUSPICIOUS)


@pytest.mark.parametrize(("lang", "text"), GENUINE)
def test_genuine_message_gets_no_flag(checker: ScamChecker, lang: str, text: str) -> None:
    result = checker.check(text, lang)
    assert result.verdict == NO_RED_FLAGS, (result.signals, result.explanations)
    assert result.signals == [] and result.explanations == []


def test_weak_sign_alone_is_only_suspicious(checker: ScamChecker) -> None:
    result = checker.check("See the photos of the event: bit.ly/4kP2x", "en")
    assert result.verdict == SUSPICIOUS
    assert result.report is None


def test_strong_sign_makes_it_likely_scam(checker: ScamChecker) -> None:
    result = checker.check("Please send me the code that came to your phone.", "en")
    assert result.verdict == LIKELY_SCAM


def test_explanations_are_in_the_answer_language(checker: ScamChecker) -> None:
    text = "Please send me the code that came to your phone."
    en = checker.check(text, "en").explanations[0]
    mn = checker.check(text, "mn").explanations[0]
    assert en != mn
    assert "send me the code" in en and "send me the code" in mn
    assert any("\u0400" <= ch <= "\u04ff" for ch in mn)


def test_quoted_personal_data_is_masked(checker: ScamChecker) -> None:
    result = checker.check("Your code 482913 came by mistake, send me the code 482913 now", "en")
    joined = " ".join(result.explanations)
    assert "482913" not in joined
    assert "[code]" in joined
