"""Personal data never reaches a log line or a volunteer's screen unmasked."""

from __future__ import annotations

import io
import logging

import pytest

from core.privacy import PiiFilter, install_pii_filter, mask_pii

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw2"

MASKED = [
    # (input, what must appear, what must be gone)
    ("My card 4000 1234 5678 9010 was stolen", "4000 **** **** 9010", "1234 5678"),
    ("card 4000123456789010", "4000********9010", "12345678"),
    ("карт 4000-1234-5678-9010", "4000-****-****-9010", "1234-5678"),
    ("Регистр УБ12345678 байна", "[register no.]", "12345678"),
    ("my register is ub12345678", "[register no.]", "ub12345678"),
    ("РД: АА 99887766", "[register no.]", "99887766"),
    ("call me on 99112233", "[phone]", "99112233"),
    ("утас 8811-2233", "[phone]", "8811-2233"),
    ("+976 99112233 is my number", "[phone]", "99112233"),
    ("976-88112233", "[phone]", "88112233"),
    ("Your code is 482913. Never share it", "[code]", "482913"),
    ("Таны код: 4821", "[code]", "4821"),
    ("нууц үг 5531 байна", "[code]", "5531"),
    ("kodoo 7788 gej yavuulsan", "[code]", "7788"),
    ("OTP 1234", "[code]", "1234"),
    ("IBAN MN12 0005 0050 1234 5678", "[account no.]", "0050 1234"),
    ("дансны дугаар 5012345678", "[account no.]", "5012345678"),
    ("write to bat.erdene@gmail.com", "b***@gmail.com", "bat.erdene"),
    (f"https://api.telegram.org/bot{TOKEN}/getMe", "bot[token]/getMe", TOKEN),
]

KEPT = [
    "Call the police on 102 or 11-11",
    "Khan Bank hotline 1800-1917, State Bank 1800-1881",
    "TDB 1900-1977",
    "Send receipts by SMS to 131313 or feedback to 141111",
    "E-mail 1111@gov.mn",
    "Paid 45,000 MNT at 14:02 on 2025-05-13, balance 310,200",
]


@pytest.mark.parametrize(("text", "present", "absent"), MASKED)
def test_personal_data_is_masked(text: str, present: str, absent: str) -> None:
    out = mask_pii(text)
    assert present in out
    assert absent not in out


@pytest.mark.parametrize("text", KEPT)
def test_public_numbers_stay_readable(text: str) -> None:
    assert mask_pii(text) == text


def test_two_hotlines_side_by_side_are_not_a_card_number() -> None:
    assert mask_pii("1800-1917 1800-1881") == "1800-1917 1800-1881"


def test_card_digits_kept_are_not_masked_again_as_codes() -> None:
    assert mask_pii("card 4000 1234 5678 9010 and code 1234") == (
        "card 4000 **** **** 9010 and code [code]"
    )


def test_empty_text() -> None:
    assert mask_pii("") == ""


def _logger_with_stream() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger("test_privacy.isolated")
    logger.handlers.clear()
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger, stream


def test_filter_masks_message_and_arguments() -> None:
    logger, stream = _logger_with_stream()
    install_pii_filter(logger)
    logger.info("user %s sent card %s", "99112233", "4000 1234 5678 9010")
    line = stream.getvalue()
    assert "99112233" not in line and "1234 5678" not in line
    assert "[phone]" in line and "4000 **** **** 9010" in line


def test_filter_masks_bot_token_in_urls_and_tracebacks() -> None:
    logger, stream = _logger_with_stream()
    install_pii_filter(logger)
    logger.info("HTTP Request: POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
    try:
        raise RuntimeError(f"failed for token {TOKEN} and register УБ12345678")
    except RuntimeError:
        logger.exception("request failed")
    text = stream.getvalue()
    assert TOKEN not in text
    assert "УБ12345678" not in text
    assert "[token]" in text and "RuntimeError" in text


def test_filter_reaches_records_of_child_loggers_through_handlers() -> None:
    logger, stream = _logger_with_stream()
    install_pii_filter(logger)
    child = logging.getLogger("test_privacy.isolated.httpx")
    child.setLevel(logging.INFO)
    child.info("GET /bot%s/getMe", TOKEN)
    assert TOKEN not in stream.getvalue()
    assert "[token]" in stream.getvalue()


def test_install_is_idempotent() -> None:
    logger, _ = _logger_with_stream()
    install_pii_filter(logger)
    install_pii_filter(logger)
    assert sum(isinstance(f, PiiFilter) for f in logger.handlers[0].filters) == 1


def test_malformed_log_call_still_logs_masked() -> None:
    logger, stream = _logger_with_stream()
    install_pii_filter(logger)
    logger.info("two args %s %s", "99112233")  # one missing: must not raise or leak
    assert "99112233" not in stream.getvalue()
