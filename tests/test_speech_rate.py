"""/slower and /faster: steps between fixed limits."""

from bot.speech import rate


def test_default_is_within_limits_and_on_a_step():
    assert rate.MIN_RATE <= rate.DEFAULT_RATE <= rate.MAX_RATE
    assert (rate.DEFAULT_RATE - rate.MIN_RATE) % rate.STEP == 0
    assert (rate.MAX_RATE - rate.DEFAULT_RATE) % rate.STEP == 0


def test_slower_and_faster_move_one_step():
    assert rate.slower(rate.DEFAULT_RATE) == rate.DEFAULT_RATE - rate.STEP
    assert rate.faster(rate.DEFAULT_RATE) == rate.DEFAULT_RATE + rate.STEP
    assert rate.faster(rate.slower(rate.DEFAULT_RATE)) == rate.DEFAULT_RATE


def test_limits_hold_however_often_the_user_asks():
    r = rate.DEFAULT_RATE
    for _ in range(50):
        r = rate.slower(r)
    assert r == rate.MIN_RATE
    for _ in range(50):
        r = rate.faster(r)
    assert r == rate.MAX_RATE


def test_missing_or_corrupt_setting_gives_default():
    assert rate.clamp(None) == rate.DEFAULT_RATE
    assert rate.clamp("fast") == rate.DEFAULT_RATE  # type: ignore[arg-type]
    assert rate.clamp(10_000) == rate.MAX_RATE
    assert rate.clamp(-5) == rate.MIN_RATE
