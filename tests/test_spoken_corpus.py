"""The corpus of real sentences (tests/data/spoken_corpus.yaml) stays read right:
>= 97% overall and >= 90% in every category, so a regression in any rule fails here."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from spoken_corpus_report import load, score  # noqa: E402 - after the path set-up

from broadcast.spoken import Normalizer  # noqa: E402


def test_every_corpus_item_names_a_known_source():
    corpus = load()
    for items in corpus["categories"].values():
        for item in items:
            assert item["src"] in corpus["sources"], item
            assert corpus["sources"][item["src"]]["url"].startswith("http")


def test_corpus_score_overall_and_per_category():
    result = score(Normalizer(), load())
    right = sum(r for r, _, _ in result.values())
    total = sum(t for _, t, _ in result.values())
    wrong = {c: [(i["text"], got) for i, got in w] for c, (_, _, w) in result.items() if w}
    assert right / total >= 0.97, wrong
    for category, (r, t, _) in result.items():
        assert r / t >= 0.90, (category, wrong.get(category))
