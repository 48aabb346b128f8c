"""Trains, saves, reloads and queries KeyedIntentClassifier inside Rasa's venv.

Run by tests/rasa_side/test_keyed_classifier.py with .venv-rasa's Python (the bot's
venv has no Rasa). Prints one JSON object: what a reloaded model predicts.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_side.keyed_intent_classifier import KeyedIntentClassifier

EXAMPLES = {
    "ask_banking": ["Картаа яаж хаах вэ", "Дансаа хамгаалах", "Карт хулгайлагдсан",
                    "Банкны апп нууц үг", "How do I block my card"],
    "ask_eservices": ["И-Монголиа-д нэвтрэх", "Иргэний үнэмлэх захиалах", "Цахим гарын үсэг авах",
                      "И-баримт буцаалт", "How to log in to e-Mongolia"],
    "greet": ["Сайн байна уу", "Сайн уу", "Hello", "Hi there", "Байна уу"],
}


def main() -> None:
    config = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    with tempfile.TemporaryDirectory() as tmp:
        storage = LocalModelStorage(Path(tmp))
        resource = Resource("keyed")
        context = ExecutionContext(GraphSchema({}), "test")
        component = KeyedIntentClassifier.create(
            {**KeyedIntentClassifier.get_default_config(), **config}, storage, resource, context)
        messages = [Message(data={"text": t, "intent": i}) for i, ts in EXAMPLES.items() for t in ts]
        component.train(TrainingData(training_examples=messages))
        loaded = KeyedIntentClassifier.load(
            {**KeyedIntentClassifier.get_default_config(), **config}, storage, resource, context)
        queries = ["kartaa yaj haah we", "e-mongolia-d nevtreh", "sain baina uu", "block my card",
                   "Сайн байна уу. Би 70 настай. Өчигдөр 4000 1234 5678 9010 картаа хулгайлуулсан. "
                   "Яаж хаах вэ?"]
        out = loaded.process([Message(data={"text": q}) for q in queries])
        result = {m.get("text"): [m.get("intent")["name"], m.get("intent")["confidence"],
                                  len(m.get("intent_ranking"))] for m in out}
        # Rasa sends one message at a time, which takes a path of its own.
        alone = [loaded.predict([q])[0] for q in queries + ["", "???"]]
        together = loaded.predict(queries + ["", "???"])
        result["one_at_a_time_same"] = bool(np.allclose(alone, together, rtol=0, atol=1e-12))
        print(json.dumps(result))


if __name__ == "__main__":
    main()
