"""Benchmark: estimated minutes per month and the worst sentence overlap between two months.

Renders every month of a year in memory (nothing is written to the station), estimates each
script with the check stage and prints, per month, the topic, syllables and minutes at the
station's speaking rate (and at the slowest and fastest built-in rates, with --rates), then
the largest share of identical sentences between any two months.

    .venv/bin/python benchmarks/content_overlap.py [--station DIR] [--year 2027] [--rates 3.06,4.3]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from broadcast.check import estimate, sentence_overlap  # noqa: E402
from broadcast.config import load_station  # noqa: E402
from broadcast.script import parse_script, render_text  # noqa: E402


def _month_script(station, month):
    text, _meta = render_text(station, month)
    return parse_script(text, Path(f"scripts/{month}.md")), station


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--station", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--year", type=int, default=2027)
    ap.add_argument("--rates", default="", help="extra speaking rates to try, e.g. 3.06,4.3")
    args = ap.parse_args()
    station = load_station(args.station)
    extra = [float(r) for r in args.rates.split(",") if r.strip()]
    scripts = {}
    first = estimate(*_month_script(station, f"{args.year}-01"))
    chain = [label for label, _ in first.by_engine]
    header = (
        f"{'month':8} {'topic':28} {'syll':>5} {'min':>6}"
        + "".join(f" {label[:18]:>18}" for label in chain)
        + "".join(f" {'@' + format(r, 'g'):>7}" for r in extra)
    )
    print(header)
    worst_fit = []
    for m in range(1, 13):
        month = f"{args.year}-{m:02d}"
        text, meta = render_text(station, month)
        script = parse_script(text, Path(f"scripts/{month}.md"))
        scripts[month] = script
        report = estimate(script, station)
        row = f"{month:8} {script.topic:28} {report.syllables:5d} {report.minutes:6.2f}"
        row += "".join(f" {total / 60:18.2f}" for _, total in report.by_engine)
        for r in extra:
            rep = estimate(script, station, rate=r, second_rate=r, rate_source="--rates")
            row += f" {rep.minutes:7.2f}"
            if not rep.fits:
                worst_fit.append((month, r, rep.minutes))
        if not report.fits:
            worst_fit.append((month, report.rate, report.minutes))
        print(row)
    print(
        f"rate used: {report.rate:.2f} syllables/s ({report.rate_source}); "
        "per-engine columns: minutes if that engine of the voice chain reads"
    )
    pairs = []
    for a, b in itertools.combinations(sorted(scripts), 2):
        pairs.append((sentence_overlap(scripts[a], scripts[b]), a, b))
    pairs.sort(reverse=True)
    ov, a, b = pairs[0]
    print(
        f"max pairwise sentence overlap: {ov:.1%} ({a} vs {b}); mean {sum(p[0] for p in pairs) / len(pairs):.1%}"
    )
    if worst_fit:
        print("OUT OF RANGE:", ", ".join(f"{m}@{r:g}={v:.1f}min" for m, r, v in worst_fit))


if __name__ == "__main__":
    main()
