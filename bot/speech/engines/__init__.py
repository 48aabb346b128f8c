"""Speech engines behind one interface (see base.py)."""

from bot.speech.engines.base import Engine, EngineError, RawAudio

__all__ = ["Engine", "EngineError", "RawAudio"]
