"""Voice replies: every answer can also come as a Telegram voice message.

    speaker = Speaker.default()
    clip = await speaker.speak(text, lang="mn", rate=None)   # Clip | None

See speaker.py for the fallback chain, normalise.py for how text is
prepared for listening, espeak_data.py for where the Mongolian voice
comes from, and rate.py for the speaking-rate limits.
"""

from bot.speech.rate import DEFAULT_RATE, MAX_RATE, MIN_RATE, STEP, faster, slower
from bot.speech.speaker import Clip, Speaker

__all__ = ["DEFAULT_RATE", "MAX_RATE", "MIN_RATE", "STEP", "Clip", "Speaker", "faster", "slower"]
