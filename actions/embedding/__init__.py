"""The sentence encoder (`encoder.py`) and the offline model folder it loads
(`model_folder.py`, built from installed packages)."""
