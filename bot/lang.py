"""Which language to answer in: Mongolian ("mn") or English ("en").

Users write Mongolian in Cyrillic, Mongolian typed in Latin letters
("dansaa yaj hamgaalah ve") and English, often in one short message and
with typos. Script alone cannot separate Latin-typed Mongolian from
English, and one regular expression either misses the many spellings of
Latin Mongolian or catches English words. So Latin text is scored: a
lexicon of frequent words on each side, then weak hints from Mongolian
suffixes and English letter patterns for words the lexicon lacks.

Bank and service names ("Khan Bank", "QPay", "E-Mongolia") appear in both
languages, so they are cut out before scoring and never decide by
themselves. A Mongolian case ending glued to such a name ("e-mongolia-d",
"qpay-aar") is itself Mongolian evidence and is kept.

When the text says nothing (emoji, digits, a bare brand name, "ok") the
user's earlier choice holds, and without one the service default
(Mongolian, the language of most users) is used.
"""

from __future__ import annotations

import re

from core.settings import DEFAULT_LANGUAGE, LANGUAGES


def _words(block: str) -> frozenset[str]:
    """Word lists are kept as plain text blocks so that a maintainer can add
    a spelling seen in a real message without editing Python syntax."""
    return frozenset(block.split())


# Frequent words of Mongolian typed in Latin letters, in the spellings people
# actually use (h/kh for х, u/v for ү, o for ө, w/v for в, c/ts for ц) and
# the chat abbreviations (bn, bna, bgaa, ym, gj). Words that are also common
# English ("we", "be", "on", "end") are left out or handled by position.
MN_LATN_WORDS: frozenset[str] = _words(
    """
    sain saina sn snu snuu bainuu baina bna bn bnu bnuu baina uu bnaa bainaa
    baigaa bgaa bga bgan baigaa baisan bsn baisn baij bj baih bh baihgui bhgui
    bgaagui baigaagui baina bolno bolnuu boloh bolohgui bolku bolkue bolj
    bolson bolsn bolood bolchihson bolchloo bolloo bollo bolgoh bolgono
    uu vv yu yuu yuy ve vee bee yaj yaaj yaj yaah yah yahav yahaw yahuu
    yaagaad yagaad yagad yamar ymar ymr yamarch hed heden hezee haana haashaa
    hen hend hniig heniig yuund yund yunii yuug yagaad ali alin aliin
    bi bid bidnii chi ta tanii tany tan tanaas tand tantai tanai namaig nadad
    nad nadaas nadtai minii mini manai manaih bidend tednii ted tuunii tuund
    ene en ter tere teriig uuniig uunii uund uunees tuuniig
    bol bish bas basa esvel eswel gehdee gevch gewch tegeed tegeh tegvel
    tegwel tgd tgeed tiim tiimee tiimu tim tiimuu ugui ugu uguu ugi ugvi
    vgui vguu za zaa zgr zugeer zvgeer zuger medehgui medku medkue
    medehgu medne medeh medsen medej medeelel medeelle medee odoo odo
    margaash ochigdor unuudur onoodor uchir uchraas tuld tulduu tuhai
    talaar deer dooroo dotor gadaa gaduur ruu ruugaa luu ees aas oos
    shuu shu daa dee doo ch l n ni yum ym yumuu ymu gej gj geh gesen gsn
    gene genee gelee geed gehed gedeg ged gdg sda shig
    hiih hiij hiine hiisen hiichihsen hii hiigeed hiideg
    awah avah avna awna avsan awsan avch awch avaad awaad avj awj
    ogoh ugnu ugsun uguh ogson ugch ugchloo uguul uguulj ogno
    ilgeeh ilgeesen ilgeej ilgeene ilgeelee ilgeech ilgeegeed ilgeegdsen
    irsen irehgui irku irkue irne ireh irj irlee irseer irsnii ireed
    orj oroh orson orood orno orloo oruulah oruulj oruulsan
    garah garch garlaa gargah gargaj gargasan
    nevtreh nevtrej nevtrehgui newtreh newtrej nevtreeh nevtrelt newtrelt
    nevtreltiin nevtrehed nevterch nevtersen nevtreed
    nuuts ug ugee ugiig kod kodoo kodiig kodiin kod oo
    dans dansaa dansnii dansand dansaar dansiig dansand danstai
    kart kartaa kartiin kartand kartiig kartnii kartaar kartaas kartuud
    mungu mungo mongo mongu munguu mongoo mungunii tugrug tugrig tug sayaa
    zalilan zaliln zalilah zalilsan zalilagdsan zalilagch zalilsn luivar
    luivarchin luivarchid huurmag huurmgiin huurmag huuramch hulgai
    hulgailagdsan hulgailsan hulgaild hulgaildsan hulgaich
    gee geesen geechihsen geechihlee geechlee geelee geechsen aldsan
    aldchihsan aldlaa alduulsan alsan
    haalgah haah haaj haasan haagdsan haagdlaa haalt haalttai hayah
    neeh neej neesen neegdehgui neelee
    shalgah shalgaj shalgaad shalguulah shalgana shalgaach shalgaarai
    unen unenuu unenuud hudal hudlaa uneheer unhr zuv buruu
    hereg heregtei heregsel heregleh hereglej hereglegch hergeltei
    hun humuus hunii huniig hund ajil ajillahgui ajillaj ajillah ajilahgui
    ajildag ajiltan ajiltnaas ajlin ajliin
    ugch ugsun butsaaj butsaah butsaalt butsaan butsaagdah
    utas utasaa utsaa utasnii utsand utasand utasnaas utsnii utasgui
    dugaar dugaaraa dugaariig dugaart dugaaras
    tusalj tuslaach tuslaarai tuslamj tuslah tusal tus tusaldaa
    asuult asuuh asuuya asuuj asuumaar asuulaa asuuy
    hariult hariu hariulaach hariul
    yavah yawah yavj yawj yavuulah yawuulah yavuulj yawuulj yavuulsan
    ochih ochij ochno ochloo
    yagaad iim iimerhuu ingeed ingej tegj teriigee
    yag yg mash ih baga muu shine huuchin tom jijig
    bayarlalaa bayrlalaa bayarllaa bayrllaa bayrla bayarla bayarlaa
    bayalalaa barlalaa bayrlala bayartai baytai bayrtai
    uuchlaarai uuchlarai uuchlaari
    sonsoh sonsmoor sonsoj unshih unshij unsh unshaad unshaach unshuulah
    duu duugaar duugaa duut duutai duugui hoolo hooloi hooloigoor hooloig
    hel helee helne helj heleh helj helsen helnee helech helehgui
    angli angliar anglaar mongoloor mongolooor mongol monglooor halh
    hicheel surgalt surgaltuud surah surmaar surj surguuli bagsh
    tatvar tatvariin daatgal daatgaliin tetgemj tetgemjiin tetgever
    gariin gar useg toon unemleh unemlehee unemlehnii unemlehiin
    burtgel burtgeh burtguuleh burtguulj burtgeliin burtguulsen
    hayag hayg barimt barimtaa barimtiin sugalaa sugalaand
    torguuli torguul tulbur tuluh tulj tulsun tuluhgui
    shiljuuleg shiljuuleh shiljuulsen shiljuulj
    avlaga zeel zeeliin zeelj zeeldeh hadgalamj hvv huu
    jiremsnii jiremsen hvvhed huuhed huuhdiin
    tsahim cahim tsahimaar cahimaar uilchilgee uilchilgeenii uilchilgeeg
    tuv tuvd salbar salbart ochood
    aimag aimgiin sum sumiin duureg horoo
    ahmad ahmaduud ahimag nastai nastan tahir dutuu hugjliin bereg
    haraagui haraa sonsgol sonsgolgui hurteemj
    huvaaltsah nairsag nairuulah hamgaalah hamgaalj hamgaalalt
    medegdel medegdeh medegdsen anhaar anhaaruulga
    uruu hoyor gurav neg ali nuguu nogoo zarim bvh buh bugd
    yostoi heregtei bolomjtoi bolomjgui chadahgui chadku chadna
    oilgohgui oilgosongui oilgoloo oilgoh
    ustgah ustgaj ustgasan delgets delgetsnees
    tovch towch dar darah darsan darchihsan darchlaa darlaa
    holboos linkee linkiig linkend holbogdoh holbogdoj
    ilgeegch irsen sms-ee msg mesej meseji messej mesejiig
    zahia zahidal zar zariig
    tiim bish tgvl tgd odo gdg ymuu bish uu
    mend hurgeye hurgey oroin ugluunii udriin tegye tegne tegnee tegey
    uulzya uulzii uulzyaa amraarai anduuraad anduurch andurchlaa
    neechihlee neechihsen darchihlaa darchihsan
    nuat hhoat nd tbb hhb ubeg teg tgy zuvhun zovhon zuwhun bw bv
    """
)

# Frequent English words. Only words a Mongolian typist would not use in
# Latin-typed Mongolian; shared loanwords ("app", "sms", "bank") are neutral.
EN_WORDS: frozenset[str] = _words(
    """
    the a an is are am was were be been being do does did done doing
    i you he she it they my your his her its our their me him us them
    mine yours this that these those there here what how why when where who
    whom which whose nah yup yo ya yea see tip tips cancel menu start
    repeat hotline helpline contact branch passport address nearest can could would should will shall may might must
    have has had having not no yes yeah yep nope and or but if then so
    than to of in on at for from with without about by as into onto over
    under after before again also just only very too more most less any
    some every all each other another such same own
    please thanks thank thx ty hello hi hey bye goodbye cheers welcome
    sorry excuse sure great good nice fine cool awesome perfect right wrong
    lost lose losing stolen stole steal theft missing find found
    card cards account accounts money cash message messages text texts scam
    scams scammer scammers fake real true false fraud fraudster phishing
    help helped helping helpful need needs want wants know knew tell told
    say said says ask asked asking answer answered question questions
    phone number numbers someone somebody anyone anybody everyone nobody
    friend friends family mother father mom dad son daughter wife husband
    link links click clicked tap tapped open opened press pressed
    send sent sending receive received got get gets getting give gave
    call called calling reply replied talk speak speaking read reading
    login log logged sign signed signing register registered registration
    password passwords codes one time
    check checked checking safe safety secure security protect blocked block
    stop stopped change changed update updated verify verification
    pay paid payment payments transfer transferred transaction transactions
    refund refunds tax taxes receipt receipts fine fines ticket tickets
    loan loans lend lending borrow borrowed interest deposit deposits
    insurance insured benefit benefits maternity pregnant baby child
    children kids school tuition apartment house home first buy bought
    new old year years month months week weeks day days today tomorrow
    yesterday now later soon ago still already yet since until while
    digital electronic signature identity card learn learning teach course
    courses class classes training trainings lesson lessons skills skill
    computer smartphone use using used user users
    blind deaf disabled disability disabilities elderly older people
    person persons screen reader voice voices audio sound aloud loud loudly
    off turn turned mute unmute speech slow slowly
    english mongolian language languages switch translate
    weather joke jokes football sport sports recipe cook cooking movie
    music song sing game games play news president election price
    does doesn't don't didn't isn't aren't wasn't can't cannot won't
    i'm i've it's that's what's there's you're we're they're let's
    work works working job jobs task tasks earn earning salary hire
    invest investment investments profit crypto bitcoin trading double
    win won winner prize prizes lottery draw lucky congratulations
    donate donation donations charity fundraiser
    police report reported reporting crime complaint back recover recovery
    human volunteer agent operator staff support talk real live
    feedback useful useless answer bad helpful unhelpful confusing
    bot robot machine ai chatbot
    government service services office centre center ministry
    where's how's who's whats hows wat wats u ur r pls plz thnx
    app's bank's my's
    """
)

# Loanwords both groups use; they carry no evidence either way.
NEUTRAL_WORDS: frozenset[str] = _words(
    """
    ok okay okey oke app apps sms bank banks code pin qr online internet
    facebook fb messenger telegram viber gmail email mail wifi iphone android
    otp id vat atm pos usd mnt tg mb gb pdf web site website link video like
    post share group live bot computer smartphone laptop sim audio text
    dollar crypto bitcoin instagram youtube tiktok chatgpt windows
    """
)

# Bank, app and service names. Removed before scoring: a bare brand says
# nothing about the writer's language. A trailing Mongolian case ending
# ("e-mongolia-d", "qpay-aar", "khan bankand") is captured separately.
BRAND_PATTERN = re.compile(
    r"""
    (?<![a-z])
    (?:
        khan\s*bank | xaan\s*bank | haan\s*bank | golomt(?:\s*bank)? |
        xac\s*bank | xacbank | khas\s*bank | tdb | trade\s+and\s+development\s+bank |
        state\s*bank | turiin\s*bank | transbank | capitron | bogd\s*bank |
        most\s*money | monpay | socialpay | social\s*pay | qpay | q\s*pay |
        hipay | toki | lend\s*mn | lendmn | storepay |
        e-?mongolia | i-?mongol | e-?barimt | ebarimt | e-?tax | e-?business |
        ndaatgal | daatguulagch | gsign | unitel | mobicom | skytel | gmobile |
        pubg | dice | icdl | undp | people\s+in\s+need
    )
    (?P<suffix>-?(?:d|aas|ees|oos|aar|eer|oor|iin|nii|ruu|ryy|tai|tei|toi|
                    ig|iig|and|ad|gaar|geer|n))?
    (?![a-z])
    """,
    re.VERBOSE,
)

CYRILLIC_BRANDS = re.compile(
    r"хаан\s*банк|голомт|хас\s*банк|төрийн\s*банк|и-?монгол|e-?монгол|е-?монгол",
)

URL_PATTERN = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:mn|com|ly|net|org|io|me|top|xyz|cc)(?:/\S*)?")

CYRILLIC_LETTER = re.compile(r"[а-яёөүА-ЯЁӨҮ]")
LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Three or more of one letter ("hellooo", "uuuu") are typed for emphasis.
LETTER_RUN = re.compile(r"([a-z])\1{2,}")

# Endings of Latin-typed Mongolian words (case endings, verb forms, plural).
MN_SUFFIXES: tuple[str, ...] = tuple(
    _words(
        """
        aa ee oo uu iig iin uud nuud tai tei toi aar eer oor aas ees oos ruu luu
        san sen son gui hgui laa lee loo lgo dag deg dog gdsan gdsen uulah uuleh
        iih ah eh oh aj ej oj ij uj ood eed aad ch tsgaa nii ny hsn dsn lsn gsn
        """
    )
)
# Letter groups rare in English words but frequent in Latin Mongolian.
MN_INFIXES: tuple[str, ...] = ("kh", "ts", "aa", "uu", "ii", "zh", "vv", "yy", "ai")
# Letter groups rare in Latin Mongolian but frequent in English.
EN_INFIXES: tuple[str, ...] = tuple(_words("th wh ght ck qu ing tion ous ph ea ow ly ou ie oa"))

# Words that are English inside a sentence but a Mongolian question particle
# at the end of one ("yaj hiih we?", "ene unen be").
END_PARTICLES: frozenset[str] = frozenset({"we", "be"})
CLAUSE_END = re.compile(r"\s*(?:[?.!,]|$)")

WORD_WEIGHT = 2.0
HINT_WEIGHT = 0.75


def _strip_noise(text: str) -> tuple[str, float]:
    """Lower-case, drop links and brand names; return the rest and the
    Mongolian evidence found in case endings glued to brands."""
    low = text.lower()
    low = URL_PATTERN.sub(" ", low)
    low = CYRILLIC_BRANDS.sub(" ", low)
    suffix_score = 0.0

    def _cut(match: re.Match[str]) -> str:
        nonlocal suffix_score
        if match.group("suffix"):
            suffix_score += WORD_WEIGHT
        return " "

    low = BRAND_PATTERN.sub(_cut, low)
    return low, suffix_score


def _known_spelling(word: str) -> str:
    """Undo emphasis by repeated letters when that yields a lexicon word.

    Both "hellooo" -> "hello" and "baaaina" -> "baina" occur, so a run is
    tried shortened to one and to two letters.
    """
    if not LETTER_RUN.search(word):
        return word
    for repl in (r"\1", r"\1\1"):
        candidate = LETTER_RUN.sub(repl, word)
        if candidate in MN_LATN_WORDS or candidate in EN_WORDS or candidate in NEUTRAL_WORDS:
            return candidate
    return word


def _hint(word: str) -> tuple[float, float]:
    """Weak evidence for a word the lexicons do not know."""
    if len(word) < 3:
        return 0.0, 0.0
    mn = en = 0.0
    if word.endswith(MN_SUFFIXES):
        mn += HINT_WEIGHT
    if any(part in word for part in MN_INFIXES):
        mn += HINT_WEIGHT
    if any(part in word for part in EN_INFIXES):
        en += HINT_WEIGHT
    if word.endswith(("ed", "ly", "ing", "tion", "ness", "ment", "ful", "ble")):
        en += HINT_WEIGHT
    return mn, en


def latin_scores(text: str) -> tuple[float, float]:
    """Evidence for (Mongolian, English) in the Latin part of a text.

    Exposed so evaluation and tests can show why a text was classed as it was.
    """
    low, mn = _strip_noise(text)
    en = 0.0
    for index, match in enumerate(LATIN_WORD.finditer(low)):
        word = _known_spelling(match.group())
        if word in NEUTRAL_WORDS:
            continue
        if word in END_PARTICLES:
            # "we"/"be" closing a clause after other words is the Mongolian
            # question particle ("yaj hiih we?"); elsewhere it is English.
            closes_clause = CLAUSE_END.match(low, match.end()) is not None
            if closes_clause and index > 0:
                mn += WORD_WEIGHT
            else:
                en += WORD_WEIGHT / 2
            continue
        in_mn = word in MN_LATN_WORDS
        in_en = word in EN_WORDS
        if in_mn and not in_en:
            mn += WORD_WEIGHT
        elif in_en and not in_mn:
            en += WORD_WEIGHT
        elif not in_mn and not in_en:
            hint_mn, hint_en = _hint(word)
            mn += hint_mn
            en += hint_en
    return mn, en


def has_cyrillic(text: str) -> bool:
    """True when Cyrillic letters remain once Cyrillic brand names are cut.

    Two letters are required so that one stray look-alike letter (Cyrillic
    "а" typed inside an English word) does not switch the language.
    """
    rest = CYRILLIC_BRANDS.sub(" ", text.lower())
    return len(CYRILLIC_LETTER.findall(rest)) >= 2


def guess_language(text: str) -> str | None:
    """Return "mn", "en", or None when the text carries no evidence either way.

    None lets the caller keep what it already knows (the user's choice)."""
    if not text:
        return None
    if has_cyrillic(text):
        return "mn"
    mn, en = latin_scores(text)
    if mn == en:
        return None
    return "mn" if mn > en else "en"


def detect_language(text: str, chosen: str | None = None) -> str:
    """Language to answer ``text`` in.

    An explicit choice the user made (``chosen``) always wins: people who
    picked English may still paste a Mongolian SMS to check. Without a
    choice the text decides, and silent text (emoji, digits, a brand name)
    falls back to the service default.
    """
    if chosen in LANGUAGES:
        return chosen
    return guess_language(text or "") or DEFAULT_LANGUAGE


def script_form(text: str) -> str:
    """Question form of ``text``: "en", "mn" (Cyrillic) or "mn_latn".

    Evaluation reports accuracy per form because the three forms fail in
    different ways. Latin text without Mongolian evidence counts as "en".
    """
    if has_cyrillic(text):
        return "mn"
    guess = guess_language(text)
    if guess is None and CYRILLIC_LETTER.search(text):
        return "mn"  # only a Cyrillic brand name ("И-Монгол"): still Cyrillic script
    return "mn_latn" if guess == "mn" else "en"


__all__ = [
    "EN_WORDS",
    "MN_LATN_WORDS",
    "NEUTRAL_WORDS",
    "detect_language",
    "guess_language",
    "latin_scores",
    "script_form",
]
