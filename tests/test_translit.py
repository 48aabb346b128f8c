"""Latin-typed Mongolian must reach the model in Cyrillic; English must not be touched.

The table holds the informal spellings people really type: h/kh/x for х,
w/v for в, v for ү, u for у/ү, o for о/ө, c/ts for ц, chat abbreviations.
"""

from __future__ import annotations

import pytest

from core.script import (
    Vocabulary,
    detect_form,
    lexical_key,
    normalize,
    rule_transliterate,
    to_cyrillic,
)

# Without any vocabulary: the dictionary and the letter rules alone.
TABLE = [
    ("hamgaalah we", "хамгаалах вэ"),  # informal h and w that cyrtranslit leaves
    ("khamgaalakh ve", "хамгаалах вэ"),
    ("dansaa yaj hamgaalah ve", "дансаа яаж хамгаалах вэ"),
    ("kartaa geechihlee yah ve", "картаа гээчихлээ яах вэ"),
    ("nuuts ugee martsan", "нууц үгээ марцан"),
    ("tsahim", "цахим"),
    ("cahim", "цахим"),
    ("shalgah", "шалгах"),
    ("chadahgui", "чадахгүй"),  # the negative ending is always -гүй
    ("medehgui", "мэдэхгүй"),
    ("newtreh", "нэвтрэх"),
    ("uilchilgee", "үйлчилгээ"),  # e makes a front-vowel word: u -> ү
    ("medeelel", "мэдээлэл"),
    ("yamar", "ямар"),
    ("yostoi", "ёстой"),
    ("uyed", "үед"),
    ("hvrehed", "хүрэхэд"),  # v for ү
    ("vnen", "үнэн"),
    ("baina", "байна"),
    ("bn", "байна"),
    ("minii", "миний"),  # ii at the end: ий
    ("hiih", "хийх"),
    ("dugaariin", "дугаарын"),  # ii in a back-vowel word after н: ы
    ("yu", "юу"),
    ("boloh uu", "болох уу"),  # the particle follows the previous word's vowels
    ("hiih uu", "хийх үү"),
    ("medeh uu", "мэдэх үү"),
    ("bank kart", "банк карт"),
    ("msg irlee", "мессеж ирлээ"),
    ("utas maani", "утас маань"),
    ("e-mongolia-d yaj nevtreh ve", "e-mongolia-д яаж нэвтрэх вэ"),  # the brand stays
    ("qpay-aar tuluh", "qpay-аар төлөх"),
    ("102 ruu zalgah", "102 руу залгах"),
    ("blocklokh", "блоклох"),
    # No word begins with ы: a first y with its vowel left out is я/ё/ю/е.
    ("ystoi", "ёстой"),
    ("yvdag bna", "явдаг байна"),
    ("ymr bank", "ямар банк"),
    ("yvuulsan", "явуулсан"),  # the vowel left out after y is mostly a
    ("bayrlalaa", "баярлалаа"),
    ("tegye", "тэгье"),  # я/е/ё/ю after a consonant take a sign
    # Frequent words the letter rules misread.
    ("haraa muutai", "хараа муутай"),
    ("amidardag", "амьдардаг"),
    ("uur hun", "өөр хүн"),
    ("500 tug", "500 төг"),
    ("taxi", "такси"),
    # Readings that depend on the neighbours.
    ("nuuts ug", "нууц үг"),
    ("helj ug", "хэлж өг"),  # өгөх as a helper verb after a converb
    ("unshaad ugch", "уншаад өгөөч"),
    ("busdad ugch boloh uu", "бусдад өгч болох уу"),
    ("angli hel ruu", "англи хэл рүү"),  # руу/рүү follows the word before, like уу/үү
    ("dans ruu", "данс руу"),
    ("tulbur tul gej bn", "төлбөр төл гэж байна"),  # a stem quoted by гэж is an imperative
    ("uchir tul", "учир тул"),
    ("utas mini alga bolson", "утас минь алга болсон"),  # минь after its noun
    ("mini utas", "миний утас"),
    # Endings after a dictionary word or a brand.
    ("msg-eer irsen", "мессежээр ирсэн"),
    ("facebookeer", "фэйсбүүкээр"),
    ("e-mongoliad nevtreh", "e-mongolia-д нэвтрэх"),
    ("e mongoliad nevtreh", "e mongolia-д нэвтрэх"),  # the brand typed with a space
    ("tbb-d", "тбб-д"),  # an abbreviation keeps its hyphen
    ("3r sar", "3-р сар"),  # a number with an ending, as Cyrillic writes it
    ("4g", "4g"),
    ("hugatsaa bhad", "хугацаа байхад"),  # chat shorthand for бай-
    ("hiihgui", "хийхгүй"),  # the u of -гүй does not make хийх a back-vowel word
    ("tuluhgui", "төлөхгүй"),  # the negative of a dictionary verb
    ("medku", "мэдэхгүй"),  # chat -ku for -хгүй
    ("chadku", "чадахгүй"),
    ("medehuu", "мэдэх үү"),  # the question particle glued to the verb
    ("bolhuu", "болох уу"),
]


@pytest.mark.parametrize(("latin", "cyrillic"), TABLE)
def test_informal_spellings(latin: str, cyrillic: str) -> None:
    assert to_cyrillic(latin) == cyrillic


def test_vocabulary_settles_u_and_o_by_real_words() -> None:
    vocab = Vocabulary(["Төлбөр төлөх", "хүмүүс", "данс"])
    # u/o in a word without e: the rules alone guess the back-vowel letters.
    assert rule_transliterate("tulbur") == "тулбур"
    assert to_cyrillic("tulbur", vocab) == "төлбөр"
    assert to_cyrillic("tolbor", vocab) == "төлбөр"
    # A known stem with a case ending keeps the stem's spelling and vowels.
    assert to_cyrillic("humuusiin dansnii", vocab) == "хүмүүсийн дансны"
    # A doubled letter belongs to the ending, not to a shorter known word.
    assert to_cyrillic("karttai", Vocabulary(["картаа карт"])) == "карттай"


@pytest.mark.parametrize("text", [
    "How do I block my card?",
    "my card was stolen",
    "can we talk in english",
    "what should we do",
    "I lost my phone with the bank app",
])
def test_english_is_detected(text: str) -> None:
    assert detect_form(text) == "en"
    assert normalize(text).text == text.lower()


@pytest.mark.parametrize("text", [
    "dansaa yaj hamgaalah ve",
    "hamgaalah we",
    "kartaa aldsan",
    "ta nadad tuslana uu",
    "NUAT-iin butsaan olgolt hezee orj irdeg we",
    "bi medehgui baina",
])
def test_latin_mongolian_is_detected(text: str) -> None:
    assert detect_form(text) == "mn_latn"


def test_cyrillic_is_mongolian_even_with_a_brand() -> None:
    assert detect_form("E-Mongolia-д яаж нэвтрэх вэ") == "mn"


def test_a_bare_word_follows_the_users_language() -> None:
    assert detect_form("ok", lang_hint="mn") == "mn_latn"
    assert detect_form("ok", lang_hint="en") == "en"


def test_normalize_keeps_the_original_for_logs() -> None:
    norm = normalize("  Kartaa   geechihlee!!! yah ve?? ")
    assert norm.original == "  Kartaa   geechihlee!!! yah ve?? "
    assert norm.form == "mn_latn"
    assert norm.text == "картаа гээчихлээ! яах вэ?"


def test_both_scripts_share_one_lexical_spelling() -> None:
    assert lexical_key("kartaa geechihlee yah ve") == lexical_key("Картаа гээчихлээ яах вэ")
    assert lexical_key("nuuts ugee") == lexical_key("нууц үгээ")
    assert lexical_key("khamgaalakh") == lexical_key("хамгаалах")


@pytest.mark.parametrize(("latin", "known", "cyrillic"), [
    # The lossy key drops the y of я: "yavdag" must not become a different known verb.
    ("yavdag", "авдаг авдаг", "явдаг"),
    # Nor is "haraa" (sight) the more frequent харьяа (belonging), which needs a typed y.
    ("haraa", "харьяа харьяа хараа", "хараа"),
    # A vowel typed twice is long: "duugaar" (by voice) is not дугаар (number).
    ("duugaar", "дугаар дугаар дуугаар", "дуугаар"),
    ("bii", "би би бий", "бий"),
    # What typists do drop is found again: the a after y, an i for the soft sign.
    ("maygt", "маягт", "маягт"),
    ("surguulid", "сургуульд", "сургуульд"),
    ("amidarsan", "амьдарсан", "амьдарсан"),
    # A word with the typed vowel lengths comes before one with a vowel doubled.
    ("orlogo", "орлогоо орлогоо орлого", "орлого"),
    # The negative ending after a known stem is -гүй too.
    ("aldaagui", "алдаа", "алдаагүй"),
    # A glued question particle is not an ending of a known stem.
    ("shalgahuu", "шалгах", "шалгах уу"),
    # A consonant typed twice with a vowel length untyped is another word.
    ("meddeg", "мэдээг", "мэддэг"),
    ("passport", "паспорт", "паспорт"),  # English doubles in a loanword
])
def test_vocabulary_does_not_snap_onto_a_different_word(latin: str, known: str, cyrillic: str) -> None:
    assert to_cyrillic(latin, Vocabulary([known])) == cyrillic


def test_a_word_unknown_to_the_vocabulary_is_read_by_the_rules() -> None:
    # With only авдаг known, "yavdag" is read letter by letter, not copied.
    assert to_cyrillic("darhan ruu yavdag", Vocabulary(["авдаг"])) == "дархан руу явдаг"


def test_removing_a_text_forgets_its_words() -> None:
    vocab = Vocabulary(["хуурамч мессеж", "мессеж"])
    vocab.remove("хуурамч мессеж")
    assert vocab.lookup("huuramch") is None
    assert vocab.lookup("messej") == "мессеж"  # still known from the other text


def test_translit_eval_reads_each_phrasing_without_its_twin(tmp_path) -> None:
    """With the twin in the vocabulary the figure would be a copy of the answer."""
    from bot.maintain.translit_eval import evaluate, faq_pairs

    (tmp_path / "advice.yml").write_text(
        "topic: banking\n"
        "entries:\n"
        "  - id: advice\n"
        "    title: {en: Advice, mn: Туслалцаа}\n"
        "    questions:\n"
        "      mn: [Зөвлөгөө авах]\n"
        "      mn_latn: [zovlogoo avah]\n"
        "    answer: {en: Ask your bank., mn: Банкандаа хандана уу.}\n",
        encoding="utf-8")
    pairs = faq_pairs(tmp_path)
    assert [(p.latin, p.cyrillic) for p in pairs] == [("zovlogoo avah", "зөвлөгөө авах")]
    scores, wrong = evaluate(pairs, faq_dir=tmp_path)
    # авах by the letter rules; зөвлөгөө only the twin itself could have given.
    assert (scores["faq"].right, scores["faq"].words) == (1, 2)
    assert wrong == {("zovlogoo", "зовлогоо", "зөвлөгөө"): 1}
