"""The bot finds Rasa's conversation store where Rasa keeps it, locally and in the scale-out set-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rasa_store import RasaStore, url_from_endpoints
from core.settings import ROOT


def test_local_store_is_the_sqlite_file_in_the_state_folder(tmp_path: Path) -> None:
    assert url_from_endpoints(ROOT / "endpoints.yml", tmp_path) == f"sqlite:///{tmp_path / 'rasa_tracker.db'}"


def test_scale_out_store_is_rasas_postgresql_with_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_PASSWORD", "s3cret")
    url = url_from_endpoints(ROOT / "deploy" / "endpoints.scale.yml")
    assert url == "postgresql://khotoch:s3cret@postgres/khotoch"


def test_a_store_rasa_never_wrote_is_left_alone(tmp_path: Path) -> None:
    store = RasaStore(f"sqlite:///{tmp_path / 'rasa_tracker.db'}")
    assert store.forget("7123456789") == 0
    assert not (tmp_path / "rasa_tracker.db").exists()  # no empty database made on the way
