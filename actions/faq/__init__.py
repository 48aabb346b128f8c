"""The FAQ library the action server answers from: the content files
(`store.py`, `facts.py`), the search over them (`retrieval.py`) and the
thresholds it learnt (`thresholds.py`)."""
