#!/usr/bin/env python3
"""Fuzz the files staff edit (station.yaml, scripts, facts, lexicon) through the real CLI.

Each case takes one of the real example files, mutates it with a fixed seed (byte flips,
truncation, deletions, duplications, Unicode oddities, YAML bombs, huge numbers, deep
nesting, over-long tokens…), puts it in a throw-away copy of the example station and runs a
cheap command (`check`, `script`) through `broadcast.cli.main` in a forked child process.

The outcome must be exit 0, or exit 1/2 with a Vietnamese message naming a file. A
traceback, another exit code, a message without a file, or a case still running after
`--timeout` seconds (a hang detector: the child is killed) is a failure.

    .venv/bin/python tools/fuzz.py --cases 600 --seed 11 --jobs 2

prints the counts by outcome and every failing case (target, mutation, seed, index), and
exits 1 if any case failed. tests/test_fuzz.py runs a few hundred cases in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MONTH = "2026-12"

# target -> (file inside the station, command run on it)
TARGETS: dict[str, tuple[str, list[str]]] = {
    "station": ("station.yaml", ["check", "--month", MONTH]),
    "script": (f"scripts/{MONTH}.md", ["check", "--month", MONTH]),
    "facts": (f"facts/{MONTH}.yaml", ["script", "--month", MONTH, "--force"]),
    "lexicon": ("lexicon.yaml", ["check", "--month", MONTH]),
}
OK_OUTCOMES = ("ok", "error-names-file", "error-names-other-file")
_VIETNAMESE = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.I)
_ONLINE_VOICE = "    - engine: gtts          # Google (cần mạng)\n      lang: vi\n"


# --------------------------------------------------------------------------- the station


def build_template(root: Path) -> Path:
    """The example station, offline (no online voice probe), with a rendered script and a lexicon."""
    station = root / "template"
    station.mkdir(parents=True)
    text = (REPO / "station.yaml").read_text(encoding="utf-8")
    (station / "station.yaml").write_text(text.replace(_ONLINE_VOICE, ""), encoding="utf-8")
    shutil.copytree(REPO / "facts", station / "facts")
    shutil.copy(REPO / "broadcast" / "data" / "lexicon.yaml", station / "lexicon.yaml")
    from broadcast.config import load_station  # noqa: PLC0415
    from broadcast.script import render_script  # noqa: PLC0415

    render_script(load_station(station), MONTH)
    return station


# --------------------------------------------------------------------------- mutations

_ODDITIES = [
    "\x00",
    "\ufeff",
    "\u202e",
    "\u200b",
    "\u0301\u0301\u0301",
    "\uffff",
    "\t",
    "\r",
    "\r\n",
    "\x1b[31m",
    "\\ud800",
    '"\\ud800"',
    "\U0001f600",
    "ǅ",
    "İ",
    "\u2028",
    "ﬁ",
    "\x7f",
    "%",
    "{{",
    "}}",
    "{%",
    "[[",
    "]]",
    "<!--",
    "&a",
    "*a",
    "!!python/object/apply:os.system ['echo pwned']",
    "? ",
    ": ",
    "- ",
    "|",
    ">",
    "#",
]


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _delete(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + data[i + rng.randint(1, 200) :]


def _duplicate(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data) + 1)
    j = min(len(data), i + rng.randint(1, 400))
    return data[:j] + data[i:j] * rng.randint(1, 50) + data[j:]


def _oddity(data: bytes, rng: random.Random) -> bytes:
    out = data
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(out) + 1)
        out = out[:i] + rng.choice(_ODDITIES).encode("utf-8", "surrogatepass") + out[i:]
    return out


def _swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def _bad_utf8(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe1\xba", b"\x80\x80"]) + data[i:]


def _yaml_insert(data: bytes, rng: random.Random, chunk: bytes) -> bytes:
    """Insert a YAML chunk where a YAML parser will read it (after the front matter's '---')."""
    if data.startswith(b"---\n"):
        return b"---\n" + chunk + data[4:]
    return data.rstrip(b"\n") + b"\n" + chunk


def _bomb(data: bytes, rng: random.Random) -> bytes:
    lines = ['z0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, rng.randint(5, 10)):
        lines.append(f"z{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return _yaml_insert(data, rng, ("\n".join(lines) + "\n").encode())


def _self_alias(data: bytes, rng: random.Random) -> bytes:
    return _yaml_insert(data, rng, rng.choice([b"zz: &x [*x]\n", b"zz: &x {k: *x}\n", b"zz: &x\n  - *x\n"]))


def _huge_number(data: bytes, rng: random.Random) -> bytes:
    digits = str(rng.randint(1, 9)) * rng.choice([30, 400, 5000, 20000])
    numbers = list(re.finditer(rb"\d+", data))
    if numbers and rng.random() < 0.7:
        m = rng.choice(numbers)
        return data[: m.start()] + digits.encode() + data[m.end() :]
    return _yaml_insert(data, rng, f"n: {digits}\n".encode())


def _deep(data: bytes, rng: random.Random) -> bytes:
    n = rng.choice([100, 1000, 3000, 20000])
    opener, closer = rng.choice([(b"[", b"]"), (b"{a: ", b"}"), (b"- ", b"")])
    nested = opener * n + closer * n if closer else b"".join(b"  " * k + b"- \n" for k in range(min(n, 2000)))
    if rng.random() < 0.5:
        return _yaml_insert(data, rng, b"d: " + nested + b"\n")
    i = rng.randrange(len(data) + 1)
    return data[:i] + nested + data[i:]


def _long_token(data: bytes, rng: random.Random) -> bytes:
    token = rng.choice([b"a", b"9", b"\xc4\x91", b"UBND", b"-", b"/"]) * rng.choice(
        [300, 5000, 50_000, 200_000]
    )
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    lines[i] = lines[i] + b" " + token
    return b"\n".join(lines)


def _value(data: bytes, rng: random.Random) -> bytes:
    """Replace a value after ': ' with something of another type."""
    spots = list(re.finditer(rb": [^\n]*", data))
    if not spots:
        return data
    m = rng.choice(spots)
    new = rng.choice(
        [
            b": ",
            b": ~",
            b": []",
            b": {}",
            b": -5",
            b": 1e999",
            b": .nan",
            b": -.inf",
            b": true",
            b": 2026-13-45",
            b": 25:99",
            b': "\\ud800"',
            b": !!binary AAAA",
            b": !!set {a, b}",
            b": [1, [2, [3]]]",
            b": ''",
            b": 0x7fffffffffffffffffff",
            b": 99999999999999999999999",
            b": |\n  x\n  y",
            b": &q 1",
            b": *nope",
        ]
    )
    return data[: m.start()] + new + data[m.end() :]


def _empty(data: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"", b"\n", b"---\n", b"---\n---\n", b"\x00", b"~\n", b"[]\n", b"- a\n"])


MUTATORS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "flip": _flip,
    "truncate": _truncate,
    "delete": _delete,
    "duplicate": _duplicate,
    "unicode": _oddity,
    "swap-lines": _swap_lines,
    "bad-utf8": _bad_utf8,
    "yaml-bomb": _bomb,
    "self-alias": _self_alias,
    "huge-number": _huge_number,
    "deep-nesting": _deep,
    "long-token": _long_token,
    "value": _value,
    "empty": _empty,
}


@dataclass
class Case:
    """One fuzz case: which file, which mutation, and the mutated bytes."""

    index: int
    target: str
    mutator: str
    data: bytes


def make_cases(template: Path, seed: int, count: int) -> list[Case]:
    """`count` cases, the same for the same seed: targets and mutators in rotation, random detail."""
    seeds = {t: (template / rel).read_bytes() for t, (rel, _) in TARGETS.items()}
    targets, mutators = list(TARGETS), list(MUTATORS)
    cases = []
    for i in range(count):
        rng = random.Random(f"{seed}-{i}")
        target = targets[i % len(targets)]
        mutator = mutators[(i // len(targets)) % len(mutators)]
        data = MUTATORS[mutator](seeds[target], rng)
        if rng.random() < 0.15:  # sometimes two mutations in a row
            second = rng.choice(mutators)
            data = MUTATORS[second](data, rng)
            mutator = f"{mutator}+{second}"
        cases.append(Case(i, target, mutator, data))
    return cases


# --------------------------------------------------------------------------- running


@dataclass
class Result:
    """What one case did."""

    case: Case
    outcome: str
    code: int | None
    seconds: float
    detail: str = ""


def _child(conn, station: str, args: list[str]) -> None:  # pragma: no cover - runs in the fork
    """Run `broadcast ARGS` in this forked process and send (kind, code, stdout, stderr)."""
    try:
        import resource  # noqa: PLC0415

        limit = 3 * 1024**3
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    out, err = io.StringIO(), io.StringIO()
    kind, code = "exit", 0
    os.environ["BROADCAST_STATION"] = station
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        from broadcast.cli import main  # noqa: PLC0415

        try:
            main([*args, "--station", station])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - the point: report any traceback
            kind, code = "traceback", None
            err.write(traceback.format_exc())
    text = err.getvalue()
    conn.send((kind, code, out.getvalue()[-4000:], text if len(text) < 8000 else text[:4000] + text[-4000:]))
    conn.close()


def classify(case: Case, kind: str, code: int | None, err: str) -> tuple[str, str]:
    """(outcome, detail) for a finished case; see OK_OUTCOMES."""
    first = err.strip().splitlines()[0] if err.strip() else ""
    if kind == "traceback":
        return "traceback", err.strip().splitlines()[-1] if err.strip() else ""
    if code == 0:
        return "ok", ""
    if code not in (1, 2):
        return "bad-exit-code", f"exit {code}: {first}"
    if not _VIETNAMESE.search(err) or "Traceback" in err:
        return "error-not-vietnamese", first
    name = Path(TARGETS[case.target][0]).name
    if name in err:
        return "error-names-file", ""
    if "tệp " in err:
        return "error-names-other-file", first
    return "error-without-file", first


def run_cases(
    cases: list[Case],
    template: Path,
    *,
    jobs: int = 2,
    timeout: float = 10.0,
    workdir: Path | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run every case in a forked child, `jobs` at a time; a child past `timeout` s is killed."""
    ctx = multiprocessing.get_context("fork")
    import broadcast.check  # noqa: F401, PLC0415
    import broadcast.cli  # noqa: F401, PLC0415 - warm imports once; every fork shares them
    import broadcast.spoken  # noqa: F401, PLC0415
    import broadcast.voice  # noqa: F401, PLC0415

    own_dir = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="broadcast-fuzz-"))
    pending = list(cases)
    running: dict = {}
    results: list[Result] = []
    try:
        while pending or running:
            while pending and len(running) < jobs:
                case = pending.pop(0)
                station = workdir / f"case-{case.index}"
                shutil.copytree(template, station, symlinks=True)
                (station / TARGETS[case.target][0]).write_bytes(case.data)
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(child, str(station), TARGETS[case.target][1]))
                proc.start()
                child.close()
                running[parent] = (proc, case, time.monotonic(), station)
            ready = wait(list(running), timeout=0.05)
            now = time.monotonic()
            for conn in list(running):
                proc, case, started, station = running[conn]
                result = None
                if conn in ready:
                    try:
                        kind, code, _out, err = conn.recv()
                        outcome, detail = classify(case, kind, code, err)
                    except EOFError:  # died without a word (killed by the OS, e.g. memory)
                        proc.join(1)
                        outcome, code, detail = "crash", proc.exitcode, f"exit code {proc.exitcode}"
                    result = Result(case, outcome, code, now - started, detail)
                elif now - started > timeout:
                    proc.kill()
                    result = Result(case, "timeout", None, now - started, f"killed after {timeout:g} s")
                if result is not None:
                    proc.join(5)
                    conn.close()
                    del running[conn]
                    shutil.rmtree(station, ignore_errors=True)
                    results.append(result)
                    if on_result:
                        on_result(result)
    finally:
        for _conn, (proc, *_rest) in running.items():
            proc.kill()
        if own_dir:
            shutil.rmtree(workdir, ignore_errors=True)
    return sorted(results, key=lambda r: r.case.index)


def summary(results: list[Result]) -> str:
    """Counts by outcome, by target, and the failures (reproducible by seed and index)."""
    lines = [f"{len(results)} cases"]
    for outcome, n in sorted(Counter(r.outcome for r in results).items()):
        lines.append(f"  {outcome:24} {n}")
    by_target = Counter((r.case.target, r.outcome in OK_OUTCOMES) for r in results)
    lines.append(
        "  by target (good/bad): "
        + ", ".join(f"{t} {by_target[(t, True)]}/{by_target[(t, False)]}" for t in TARGETS)
    )
    slowest = max(results, key=lambda r: r.seconds, default=None)
    if slowest:
        lines.append(
            f"  slowest case: #{slowest.case.index} {slowest.case.target}/{slowest.case.mutator} "
            f"{slowest.seconds:.1f} s"
        )
    bad = [r for r in results if r.outcome not in OK_OUTCOMES]
    for r in bad:
        lines.append(f"  FAIL #{r.case.index} {r.case.target}/{r.case.mutator}: {r.outcome} {r.detail[:300]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="number of cases (default 300)")
    parser.add_argument("--seed", type=int, default=11, help="random seed (default 11)")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a case counts as a hang")
    parser.add_argument("--only", choices=sorted(TARGETS), help="fuzz one target only")
    parser.add_argument("--save", type=Path, help="keep the mutated file of every failing case here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="broadcast-fuzz-") as tmp:
        template = build_template(Path(tmp))
        cases = make_cases(template, args.seed, args.cases)
        if args.only:
            cases = [c for c in cases if c.target == args.only]
        started = time.monotonic()
        results = run_cases(
            cases, template, jobs=args.jobs, timeout=args.timeout, workdir=Path(tmp) / "cases"
        )
        print(summary(results))
        print(f"  total {time.monotonic() - started:.1f} s with {args.jobs} job(s), seed {args.seed}")
        bad = [r for r in results if r.outcome not in OK_OUTCOMES]
        if args.save and bad:
            args.save.mkdir(parents=True, exist_ok=True)
            for r in bad:
                suffix = Path(TARGETS[r.case.target][0]).suffix
                (args.save / f"{r.case.index:04d}-{r.case.target}-{r.case.mutator}{suffix}").write_bytes(
                    r.case.data
                )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
