"""Score of the spoken-form stage on the corpus of real sentences (tests/data/spoken_corpus*.yaml).

Prints the share of sentences read exactly as expected (words compared, case and punctuation
ignored), per category and overall, and with --failures what differed.

Usage: .venv/bin/python benchmarks/spoken_corpus_report.py [--failures] [--file PATH ...]

--file scores only the given file(s) of the same format, e.g. the held-out set
tests/data/spoken_holdout.yaml (sentences collected after the rules were tuned).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from broadcast.spoken import Normalizer  # noqa: E402 - after the path set-up
from broadcast.spoken.syllables import fold  # noqa: E402

CORPUS_DIR = REPO / "tests" / "data"


def load(folder: Path = CORPUS_DIR, files: list[Path] | None = None) -> dict:
    """All `spoken_corpus*.yaml` files (or the given `files`) merged: their sources and their
    items per category."""
    merged: dict = {"sources": {}, "categories": {}}
    paths = files if files else sorted(folder.glob("spoken_corpus*.yaml"))
    for path in paths:
        part = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, source in part.get("sources", {}).items():
            if key in merged["sources"] and merged["sources"][key] != source:
                raise ValueError(f"{path.name}: source {key!r} defined twice")
            merged["sources"][key] = source
        for category, items in part["categories"].items():
            merged["categories"].setdefault(category, []).extend(items)
    return merged


def score(normalizer: Normalizer, corpus: dict) -> dict[str, tuple[int, int, list]]:
    """Per category: (right, total, [(item, got)] of the wrong ones)."""
    out = {}
    for category, items in corpus["categories"].items():
        wrong = []
        for item in items:
            got = normalizer.normalize(item["text"])
            if fold(got) != fold(item["say"]):
                wrong.append((item, got))
        out[category] = (len(items) - len(wrong), len(items), wrong)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--failures", action="store_true")
    parser.add_argument("--file", type=Path, action="append", help="score this file instead")
    args = parser.parse_args()
    corpus = load(files=args.file)
    result = score(Normalizer(), corpus)
    right = sum(r for r, _, _ in result.values())
    total = sum(t for _, t, _ in result.values())
    print(f"{'category':<16} {'right':>5} {'total':>5} {'score':>7}")
    for category, (r, t, _) in result.items():
        print(f"{category:<16} {r:>5} {t:>5} {100 * r / t:>6.1f}%")
    print(f"{'overall':<16} {right:>5} {total:>5} {100 * right / total:>6.1f}%")
    if args.failures:
        for category, (_, _, wrong) in result.items():
            for item, got in wrong:
                print(f"\n[{category}] {item['text']}")
                print(f"  expected: {item['say']}\n  got:      {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
