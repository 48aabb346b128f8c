"""Speaking rate: the only place its limits are defined.

Rates are words per minute, the unit espeak-ng takes directly; engines
without a rate knob (gTTS) convert it to a tempo factor. Elderly listeners
ask for slower speech and screen-reader users for faster, so /slower and
/faster move in fixed steps between hard limits rather than free values,
which also keeps the number of cached variants of one answer small.
"""

from __future__ import annotations

DEFAULT_RATE = 160
MIN_RATE = 80  # espeak-ng's own lower limit
MAX_RATE = 280
STEP = 20


def clamp(rate: int | None) -> int:
    """A valid rate from a stored or user-given value.

    An unknown or corrupt setting must not silence the bot, so it falls
    back to the default instead of raising.
    """
    if rate is None:
        return DEFAULT_RATE
    try:
        value = int(rate)
    except (TypeError, ValueError):
        return DEFAULT_RATE
    return max(MIN_RATE, min(MAX_RATE, value))


def slower(rate: int | None) -> int:
    """The rate one step slower, never below MIN_RATE."""
    return clamp(clamp(rate) - STEP)


def faster(rate: int | None) -> int:
    """The rate one step faster, never above MAX_RATE."""
    return clamp(clamp(rate) + STEP)
