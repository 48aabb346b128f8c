"""The bot's choice of language reaches Rasa's `language` slot.

Every Rasa response picks its Mongolian or English variation by that slot,
so a user who chose English must never get a Mongolian greeting, whether
they typed or pressed a button (the end-to-end case is in
tests/test_e2e_pipeline.py).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.rasa_client import REPLY_LANGUAGE_ENTITY, with_payload_entity

ROOT = Path(__file__).resolve().parents[1]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")
def test_rasa_copies_the_metadata_language_into_an_entity() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([str(RASA_PYTHON), "tests/rasa_side/check_metadata_entities.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found == {
        "english": [[REPLY_LANGUAGE_ENTITY, "en"]],
        "mongolian, with an entity already found": [["faq_id", "block_card"], [REPLY_LANGUAGE_ENTITY, "mn"]],
        "no metadata": [],
        "metadata not a dict": [],
        "junk language": [],
        "language not text": [],
    }


def test_config_domain_and_bot_name_the_same_entity() -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    step = next(s for s in config["pipeline"] if s["name"].endswith("MetadataEntities"))
    assert step["entities"] == {"language": REPLY_LANGUAGE_ENTITY}
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    entity = next(e for e in domain["entities"] if isinstance(e, dict) and REPLY_LANGUAGE_ENTITY in e)
    # Rules and stories must apply whatever language the user writes in.
    assert entity[REPLY_LANGUAGE_ENTITY]["influence_conversation"] is False
    assert {"type": "from_entity", "entity": REPLY_LANGUAGE_ENTITY} in domain["slots"]["language"]["mappings"]


@pytest.mark.parametrize(("message", "expected"), [
    ("/greet", '/greet{"reply_language":"en"}'),
    ('/choose_faq{"faq_id":"block_card"}', '/choose_faq{"faq_id":"block_card","reply_language":"en"}'),
    ('/feedback{"helpful": "no"}', '/feedback{"helpful":"no","reply_language":"en"}'),
    ("how do I block my card", "how do I block my card"),
    ("/broken{", "/broken{"),
])
def test_button_payloads_carry_the_language(message: str, expected: str) -> None:
    assert with_payload_entity(message, REPLY_LANGUAGE_ENTITY, "en") == expected
