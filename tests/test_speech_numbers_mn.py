"""Mongolian numbers in words: espeak-ng's own reading drops teens and hundreds."""

import pytest

from bot.speech import numbers_mn as m


@pytest.mark.parametrize(
    ("n", "standalone", "before_noun"),
    [
        (0, "тэг", "тэг"),
        (3, "гурав", "гурван"),
        (11, "арван нэг", "арван нэг"),
        (17, "арван долоо", "арван долоон"),
        (20, "хорь", "хорин"),
        (102, "нэг зуун хоёр", "нэг зуун хоёр"),
        (200, "хоёр зуу", "хоёр зуун"),
        (1500, "нэг мянга таван зуу", "нэг мянга таван зуун"),
        (1917, "нэг мянга есөн зуун арван долоо", "нэг мянга есөн зуун арван долоон"),
        (2025, "хоёр мянга хорин тав", "хоёр мянга хорин таван"),
        (30000, "гучин мянга", "гучин мянган"),
        (200000, "хоёр зуун мянга", "хоёр зуун мянган"),
        (1124564, "нэг сая нэг зуун хорин дөрвөн мянга таван зуун жаран дөрөв",
         "нэг сая нэг зуун хорин дөрвөн мянга таван зуун жаран дөрвөн"),
        (20_000_000, "хорин сая", "хорин сая"),
    ],
)  # fmt: skip
def test_cardinal(n: int, standalone: str, before_noun: str) -> None:
    assert m.cardinal(n) == standalone
    assert m.cardinal(n, before_noun=True) == before_noun


@pytest.mark.parametrize(
    ("n", "ordinal"),
    [
        (1, "нэгдүгээр"),
        (2, "хоёрдугаар"),
        (6, "зургадугаар"),
        (7, "долдугаар"),
        (10, "аравдугаар"),
        (11, "арван нэгдүгээр"),
    ],
)
def test_ordinal(n: int, ordinal: str) -> None:
    assert m.ordinal(n) == ordinal


def test_suffixes_and_ranges() -> None:
    assert m.with_suffix(1, "р") == "нэгдүгээр"
    assert m.with_suffix(3, "аас") == "гурваас"
    assert m.with_suffix(2025, "ны") == "хоёр мянга хорин тавны"
    assert m.ablative(11) == "арван нэгээс"
    assert m.ablative(20) == "хориос"


def test_decimal() -> None:
    assert m.decimal(66, "4") == "жаран зургаан цэг дөрөв"
