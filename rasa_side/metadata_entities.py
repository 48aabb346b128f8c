"""Copies values the bot sends as message metadata into entities.

Why: the `language` slot picks each response's Mongolian or English
variation, and the bot decides the language (detected, or the user's
choice). A `custom` slot mapping filled by `action_validate_slot_mappings`
did this, but that action runs on the action server before every turn: a
second HTTP round trip with the whole session as JSON, about 5 ms of CPU
across Rasa and the action server per message (py-spy, under load). As an
entity the value reaches the slot through a plain `from_entity` mapping,
inside Rasa.

Button payloads ("/intent{...}") skip this: Rasa's RegexMessageHandler,
which runs last, replaces every entity with the payload's own. The bot
therefore adds the same entity to the payloads it sends
(bot/rasa_client.py). Only short lower-case codes are copied; the domain's
categorical slot decides which ones it knows.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

_CODE = re.compile(r"^[a-z]{2,3}$")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class MetadataEntities(GraphComponent, EntityExtractorMixin):
    """Adds one entity per configured metadata key present in the message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # metadata key -> entity name
        return {"entities": {"language": "reply_language"}}

    def __init__(self, config: dict[str, Any]) -> None:
        self._entities = dict(config.get("entities") or {})

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MetadataEntities:
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            metadata = message.get("metadata")
            if not isinstance(metadata, dict):
                continue
            found = [{"entity": entity, "value": metadata[key], "extractor": self.name}
                     for key, entity in self._entities.items()
                     if isinstance(metadata.get(key), str) and _CODE.match(metadata[key])]
            if found:
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), *found], add_to_output=True)
        return messages
