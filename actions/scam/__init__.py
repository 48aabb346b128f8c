"""The scam checker (`checker.py`) and the rules it runs: built-in signals
(`signals.py`) and the maintainers' phrase rules from faq/ (`phrases.py`)."""
