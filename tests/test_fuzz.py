"""Issue 11 "keep the campaign": fuzzed station.yaml, scripts, facts and lexicon through the CLI.

A fixed seed makes the same cases every run (tools/fuzz.py runs more by hand). Every case
must end in exit 0, or exit 1/2 with a Vietnamese message naming a file: never a traceback,
and never still running after 10 s (the child is killed: a hang detector, not a speed test).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CASES = 240
SEED = 11


def _fuzz():
    spec = importlib.util.spec_from_file_location("broadcast_fuzz", REPO / "tools" / "fuzz.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the runner forks one child per case")
def test_fuzzed_inputs_end_in_success_or_a_vietnamese_error_naming_the_file(tmp_path, capsys):
    fuzz = _fuzz()
    template = fuzz.build_template(tmp_path)
    cases = fuzz.make_cases(template, SEED, CASES)
    assert {c.target for c in cases} == set(fuzz.TARGETS)
    assert {c.mutator.split("+")[0] for c in cases} == set(fuzz.MUTATORS)
    results = fuzz.run_cases(cases, template, jobs=2, timeout=10.0, workdir=tmp_path / "cases")
    report = fuzz.summary(results)
    with capsys.disabled():
        print("\n" + report)
    assert len(results) == CASES
    assert all(r.outcome in fuzz.OK_OUTCOMES for r in results), report
    counts = Counter(r.outcome for r in results)
    assert counts["ok"] and counts["error-names-file"]  # the campaign reaches both ends


def test_the_same_seed_makes_the_same_cases(tmp_path):
    fuzz = _fuzz()
    template = fuzz.build_template(tmp_path)
    a = fuzz.make_cases(template, SEED, 40)
    b = fuzz.make_cases(template, SEED, 40)
    assert [(c.target, c.mutator, c.data) for c in a] == [(c.target, c.mutator, c.data) for c in b]
    assert [c.data for c in fuzz.make_cases(template, SEED + 1, 40)] != [c.data for c in a]
