"""Runs MetadataEntities inside Rasa's venv; prints the entities it set, as JSON.

Run by tests/test_reply_language.py with .venv-rasa's Python (the bot's venv
has no Rasa).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from rasa_side.metadata_entities import MetadataEntities

CASES = {
    "english": {"metadata": {"language": "en", "voice": False}},
    "mongolian, with an entity already found": {
        "metadata": {"language": "mn"}, "entities": [{"entity": "faq_id", "value": "block_card"}]},
    "no metadata": {},
    "metadata not a dict": {"metadata": "en"},
    "junk language": {"metadata": {"language": "<script>alert(1)</script>"}},
    "language not text": {"metadata": {"language": 1}},
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        component = MetadataEntities.create(MetadataEntities.get_default_config(), LocalModelStorage(Path(tmp)),
                                            Resource("metadata"), ExecutionContext(GraphSchema({}), "test"))
        messages = [Message(data={"text": "hello", **case}) for case in CASES.values()]
        out = component.process(messages)
        print(json.dumps({name: [[e["entity"], e["value"]] for e in m.get("entities") or []]
                          for name, m in zip(CASES, out)}))


if __name__ == "__main__":
    main()
