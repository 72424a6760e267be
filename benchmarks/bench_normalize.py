"""Throughput of the spoken-form stage on real seed sentences (target: >= 5,000/s, one core).

Usage: .venv/bin/python benchmarks/bench_normalize.py [--seconds 3] [--seeds DIR]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from broadcast.spoken import Normalizer  # noqa: E402

TARGET = 5000
_CASES = REPO / "tests" / "data" / "normalize_cases.yaml"


def seed_sentences(seeds: Path) -> list[str]:
    """Sentences of the seed plans: lines joined per paragraph, split at . ; ! ?"""
    sentences: list[str] = []
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for para in re.split(r"\n\s*\n(?=\s*(?:[-+▪•*#]|\d+\.|[IVX]+\.|\*\*))", text):
            para = " ".join(para.split())
            for sentence in re.split(r"(?<=[.;!?])\s+", para):
                if sentence.strip():
                    sentences.append(sentence)
    return sentences


def case_sentences() -> list[str]:
    import yaml

    data = yaml.safe_load(_CASES.read_text(encoding="utf-8"))
    return [written for cases in data.values() for written, _ in cases]


def measure(normalizer: Normalizer, sentences: list[str], seconds: float) -> tuple[list[float], list[float]]:
    """Sentences per CPU-second and per wall-second, one figure per pass over the corpus.

    CPU time (`time.process_time`) is what one core spends on the work; wall time also
    counts waiting for the core when other processes share the machine.
    """
    cpu_rates, wall_rates = [], []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(cpu_rates) < 3:
        wall, cpu = time.perf_counter(), time.process_time()
        for s in sentences:
            normalizer.normalize(s)
        cpu_rates.append(len(sentences) / max(time.process_time() - cpu, 1e-9))
        wall_rates.append(len(sentences) / (time.perf_counter() - wall))
    return cpu_rates, wall_rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument(
        "--seeds", type=Path, default=Path(__file__).resolve().parents[1] / "tests" / "data" / "seeds"
    )
    args = parser.parse_args()

    if args.seeds.is_dir():
        sentences, source = seed_sentences(args.seeds), f"seed sentences ({args.seeds})"
    else:
        sentences, source = case_sentences(), "test cases (seed folder not found)"
    chars = sum(len(s) for s in sentences)

    start = time.perf_counter()
    normalizer = Normalizer()
    setup_ms = (time.perf_counter() - start) * 1000
    normalizer.normalize("khởi động")

    cpu_rates, wall_rates = measure(normalizer, sentences, args.seconds)
    median = statistics.median(cpu_rates)
    print(f"corpus: {len(sentences)} {source}, mean {chars / len(sentences):.0f} chars")
    print(f"setup: {setup_ms:.1f} ms")
    print(
        f"normalize (one core, CPU time): {median:,.0f} sentences/s median, "
        f"{max(cpu_rates):,.0f} best ({len(cpu_rates)} passes)"
    )
    print(f"normalize (wall clock, shared machine): {statistics.median(wall_rates):,.0f} sentences/s median")
    print(f"target: {TARGET:,} sentences/s -> {'OK' if median >= TARGET else 'TOO SLOW'}")
    return 0 if median >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
