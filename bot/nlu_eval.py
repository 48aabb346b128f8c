"""`python -m bot nlu eval`: Rasa intent accuracy on the held-out question set.

Parses every held-out item (tests/data/nlu_eval.yml and every
tests/data/faq_eval_*.yml, bot/maintain/eval_data.py) with the running Rasa model
(started if needed) and prints, per language form, intent accuracy, macro-F1
over intents, and topic accuracy: for questions that have a topic, the share
whose intent names that topic (what restricts FAQ retrieval); then topic
accuracy per language form and part (ordinary, numbers, long, uncovered).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import httpx

from bot.maintain.eval_data import PARTS, eval_files, load_items
from core.privacy import mask_pii
from core.settings import INTENT_TOPICS, QUESTION_FORMS


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = {gold for gold, _ in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot nlu eval")
    parser.add_argument("--data", action="append",
                        help="held-out items (repeatable; default nlu_eval.yml and every faq_eval_*.yml)")
    parser.add_argument("--no-services", action="store_true", help="use the running Rasa server")
    parser.add_argument("--confusions", type=int, default=15, help="how many confusions to list")
    args = parser.parse_args(argv)

    from bot.config import Config
    from bot.local_secrets import auth_headers
    from bot.services import Stack

    config = Config.from_env()
    stack = None
    if not args.no_services:
        stack = Stack(config.rasa_url, config.actions_url, token=config.rasa_auth_token())
        stack.ensure()
    try:
        paths = [Path(p) for p in args.data] if args.data else eval_files()
        items = [i for i in load_items(paths) if i.intent]
        results: dict[str, list[tuple[str, str]]] = defaultdict(list)
        topics: dict[str, list[bool]] = defaultdict(list)
        by_part: dict[tuple[str, str], list[bool]] = defaultdict(list)
        confusions: Counter[tuple[str, str]] = Counter()
        with httpx.Client(timeout=30, headers=auth_headers(config.rasa_auth_token())) as client:
            # Numbers are asked twice: as typed, and masked as the bot sends them to Rasa.
            runs = [(item, item.text, item.part) for item in items]
            runs += [(item, mask_pii(item.text), "numbers masked") for item in items
                     if item.part == "numbers"]
            for item, text, part in runs:
                try:
                    resp = client.post(f"{config.rasa_url}/model/parse", json={"text": text})
                    resp.raise_for_status()
                except httpx.HTTPError as exc:
                    print(f"Rasa did not answer at {config.rasa_url} ({exc}); start it with "
                          "`python -m bot services`, or leave out --no-services.", file=sys.stderr)
                    return 1
                predicted = resp.json()["intent"]["name"]
                if item.topic:
                    by_part[(item.form, part)].append(INTENT_TOPICS.get(predicted) == item.topic)
                if part == "numbers masked":
                    continue
                gold = item.intent
                results[item.form].append((gold, predicted))
                if gold != predicted:
                    confusions[(gold, predicted)] += 1
                if item.topic:
                    topics[item.form].append(INTENT_TOPICS.get(predicted) == item.topic)
        print(f"Rasa NLU on {len(items)} held-out items ({', '.join(p.name for p in paths)})")
        print("form     items  intent_acc  macro_f1  topic_acc")
        for form in QUESTION_FORMS:
            pairs = results.get(form, [])
            if not pairs:
                continue
            acc = sum(g == p for g, p in pairs) / len(pairs)
            topic_acc = sum(topics[form]) / len(topics[form]) if topics[form] else float("nan")
            print(f"{form:8} {len(pairs):5}  {acc:10.3f}  {macro_f1(pairs):8.3f}  {topic_acc:9.3f}")
        print("topic accuracy per part (target >= 0.95)")
        print("part             form     items  topic_acc")
        for part in [*PARTS[:2], "numbers masked", *PARTS[2:]]:
            for form in QUESTION_FORMS:
                hits = by_part.get((form, part))
                if hits:
                    print(f"{part:<16} {form:<8} {len(hits):5}  {sum(hits) / len(hits):9.3f}")
        print("most frequent confusions (gold -> predicted):")
        for (gold, predicted), n in confusions.most_common(args.confusions):
            print(f"  {n:3}  {gold} -> {predicted}")
    finally:
        if stack:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
