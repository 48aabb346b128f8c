"""Custom Rasa 3.6 graph components for Khotoch's NLU pipeline (config.yml).

Kept importable from the Rasa virtualenv alone (Python 3.10, scikit-learn,
numpy, scipy): Rasa loads them by dotted name when it runs from the
repository root.
"""
