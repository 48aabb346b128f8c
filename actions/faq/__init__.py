"""The FAQ library the action server answers from: the content files
(`store.py`, `facts.py`), the search over them (`retrieval.py`) and the
check for messages with nothing to search (`junk_input.py`)."""
