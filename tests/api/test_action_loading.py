"""What rasa-sdk loads from actions/: every action domain.yml names, and no
maintainer command line or bot module (they stay out of the server's memory)."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from core.settings import ROOT

# rasa-sdk's own loading (`--actions actions`), with the warm-up's model load
# turned into a quick failure, which the warm-up logs and survives.
_LOAD = """
import json, sys
import actions.faq.retrieval as retrieval
def _no_model(cls):
    raise RuntimeError("not loaded in this test")
retrieval.Retriever.shared = classmethod(_no_model)
from rasa_sdk.executor import ActionExecutor
executor = ActionExecutor()
executor.register_package("actions")
print(json.dumps({"actions": sorted(executor.actions),
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("actions", "bot"))}))
sys.stdout.flush()
import os
os._exit(0)
"""


def test_the_action_server_serves_every_domain_action_and_loads_no_maintainer_code() -> None:
    out = subprocess.run([sys.executable, "-c", _LOAD], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, check=True).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert loaded["actions"] == sorted(domain["actions"])
    assert not [m for m in loaded["modules"] if m.startswith("bot")]
