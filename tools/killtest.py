"""Kill campaign: SIGKILL `make`, `schedule` and `daemon --run-due` at named points, then re-run.

Each run is a real `python -m broadcast …` subprocess on a copy of the example station voiced
by the `silent` engine. `BROADCAST_KILL_AT=POINT[:N]` makes the process kill itself (SIGKILL)
the N-th time it reaches POINT (broadcast/fsutil.py `killpoint`). After every kill:

* no partial output is visible: every visible programme folder has its manifest and its MP3
  matches the recorded size and sha256; every day folder has its running order, and every
  file its playlists list is there and matches the programme it copies;
* the approved programme that was there before the run is intact (same bytes);
* a re-run without the kill exits as an unkilled run does, and leaves the same visible
  outputs (times of day in .ics/.html/approval stamps aside).

Usage: python tools/killtest.py [--quick] [--keep DIR]
Prints each point's result and the counts (points, reached, survived). Exit 1 if any failed.
tests/test_killtest.py runs a handful of these points in the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
MONTH = "2027-01"
TRIAL_NOW = "2027-01-04T20:05"
SILENT = {"main": [{"engine": "silent", "syllable_s": 0.3}], "second": [], "fallback": True}


def run(station: Path, args: list[str], kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("BROADCAST_KILL_AT", None)
    if kill_at:
        env["BROADCAST_KILL_AT"] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "broadcast", *args, "--station", str(station)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def new_station(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load((REPO / "station.yaml").read_text(encoding="utf-8"))
    data["voice"] = SILENT
    (folder / "station.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    shutil.copytree(REPO / "facts", folder / "facts", dirs_exist_ok=True)
    return folder


# --------------------------------------------------------------------------- what is visible


_VOLATILE = re.compile(r"^(DTSTAMP|LAST-MODIFIED|approved_at|rendered_at)|Lập lúc|\"approved_at\"")


def _content(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix in (".ics", ".html", ".md", ".yaml") or path.name == "approval.json":
        text = data.decode("utf-8", "replace").replace("\r\n", "\n")
        text = "\n".join(line for line in text.split("\n") if not _VOLATILE.search(line))
        data = text.encode()
    elif path.name == "manifest.json":
        m = json.loads(data)
        for k in ("clips_synthesized", "clips_cached"):
            m.pop(k, None)
        data = json.dumps(m, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def snapshot(station: Path) -> dict[str, str]:
    """Every visible output file (no hidden path part, not .broadcast) -> normalised hash."""
    out = {}
    for p in sorted(station.rglob("*")):
        rel = p.relative_to(station)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        if rel.parts[0] in ("audio_out", "schedules", "scripts"):
            out[rel.as_posix()] = _content(p)
    return out


def partial_outputs(station: Path) -> list[str]:
    """Visible outputs that are not complete (empty list: nothing partial is visible)."""
    sys.path.insert(0, str(REPO))
    from broadcast.production.manifest import file_problem, read_manifest  # noqa: PLC0415

    bad = []
    audio = station / "audio_out"
    folders = [p for p in audio.glob("????-??") if p.is_dir()] + [p for p in audio.glob("drafts/????-??")]
    for folder in folders:
        m = read_manifest(folder)
        if m is None:
            bad.append(f"{folder}: no manifest")
        elif file_problem(folder, m):
            bad.append(f"{folder}: {file_problem(folder, m)}")
    for day in sorted((audio / "days").glob("????-??-??")):
        lists = list(day.glob("*.m3u8"))
        if not lists or not (day / "lich-phat-song.html").exists():
            bad.append(f"{day}: no playlist or running order")
        for pl in lists:
            for line in pl.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("#") and not (day / line).is_file():
                    bad.append(f"{day}: {line} missing")
    for y in (station / "schedules").glob("*.yaml"):
        try:
            yaml.safe_load(y.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            bad.append(f"{y}: unreadable")
    return bad


def approved_mp3(station: Path) -> str | None:
    folder = station / "audio_out" / MONTH
    m = folder / "manifest.json"
    if not m.exists():
        return None
    return hashlib.sha256((folder / json.loads(m.read_text("utf-8"))["file"]).read_bytes()).hexdigest()


# --------------------------------------------------------------------------- scenarios


@dataclass
class Scenario:
    name: str
    args: list[str]
    points: list[str]
    prepare: Callable[[Path, Path], None]  # (fresh folder, approved station) -> start state
    quick: list[str] = field(default_factory=list)


def _copy_approved(folder: Path, approved: Path) -> None:
    shutil.copytree(approved, folder, symlinks=True)


def _edited(folder: Path, approved: Path) -> None:
    _copy_approved(folder, approved)
    script = folder / "scripts" / f"{MONTH}.md"
    script.write_text(
        script.read_text(encoding="utf-8").replace("Kính thưa", "Kính chào", 1), encoding="utf-8"
    )


def _fewer_airings(folder: Path, approved: Path) -> None:
    _copy_approved(folder, approved)
    st = folder / "station.yaml"
    data = yaml.safe_load(st.read_text(encoding="utf-8"))
    data["airing"]["per_month"] = 2
    st.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


SCENARIOS = [
    Scenario(
        "make-new",
        ["make", "--month", MONTH, "--auto-approve"],
        [
            "write-before-rename:1",
            "write-before-rename:2",
            "produce-encoded",
            "dir-before-swap:1",
            "dir-after-swap:1",
            "make-before-schedule",
            "schedule-plan-written",
            "dir-after-swap:3",
            "schedule-days-written",
        ],
        lambda folder, _a: new_station(folder),
    ),
    Scenario(
        "make-edited",
        ["make", "--month", MONTH],
        [
            "write-before-rename:1",
            "write-before-rename:2",
            "produce-encoded",
            "dir-before-swap:1",
            "dir-after-swap:1",
            "write-before-rename:4",
        ],
        _edited,
        quick=["produce-encoded"],
    ),
    Scenario(
        "schedule-fewer",
        ["schedule", "--month", MONTH],
        [
            "write-before-rename:1",
            "write-before-rename:2",
            "schedule-plan-written",
            "dir-old-aside:1",
            "dir-after-swap:2",
            "schedule-days-written",
        ],
        _fewer_airings,
        quick=["schedule-plan-written", "dir-old-aside:1"],
    ),
    Scenario(
        "daemon-run-due",
        ["daemon", "--run-due", "--now", TRIAL_NOW],
        [
            "job-started:1",
            "job-finished:1",
            "state-before-save:1",
            "job-started:2",
            "write-before-rename:1",
            "write-before-rename:2",
            "job-finished:2",
            "state-before-save:2",
        ],
        _copy_approved,
        quick=["state-before-save:1"],
    ),
]


@dataclass
class Outcome:
    scenario: str
    point: str
    reached: bool
    problems: list[str]

    @property
    def survived(self) -> bool:
        return not self.problems


def approved_station(work: Path) -> Path:
    """The example station with MONTH made, approved and scheduled (made once)."""
    base = work / "approved"
    if not (base / "audio_out" / MONTH / "manifest.json").exists():
        new_station(base)
        r = run(base, ["make", "--month", MONTH, "--auto-approve"])
        if r.returncode != 0:
            raise RuntimeError(f"baseline make failed: {r.stderr}")
    return base


def campaign(
    work: Path, *, only: dict[str, list[str]] | None = None, say: Callable[[str], None] = print
) -> list[Outcome]:
    """Run the scenarios' kill points (all, or `only` {scenario: [points]}); return outcomes."""
    approved = approved_station(work)
    outcomes = []
    for sc in SCENARIOS:
        points = sc.points if only is None else only.get(sc.name, [])
        if not points:
            continue
        ref = work / f"{sc.name}-ref"
        shutil.rmtree(ref, ignore_errors=True)
        sc.prepare(ref, approved)
        ref_run = run(ref, sc.args)
        expected = snapshot(ref)
        for point in points:
            folder = work / f"{sc.name}-{point.replace(':', '-')}"
            shutil.rmtree(folder, ignore_errors=True)
            sc.prepare(folder, approved)
            before = approved_mp3(folder)
            killed = run(folder, sc.args, kill_at=point)
            reached = killed.returncode == -9
            problems = [] if reached else [f"point not reached (exit {killed.returncode})"]
            problems += [f"after kill: {p}" for p in partial_outputs(folder)]
            if before is not None and approved_mp3(folder) not in (before, None) and sc.name != "make-new":
                problems.append("the approved programme changed")
            if before is not None and approved_mp3(folder) is None:
                problems.append("the approved programme is gone after the kill")
            again = run(folder, sc.args)
            if again.returncode != ref_run.returncode:
                problems.append(
                    f"re-run exit {again.returncode}, unkilled run {ref_run.returncode}: {again.stderr[-300:]}"
                )
            got = snapshot(folder)
            if got != expected:
                diff = sorted(set(got.items()) ^ set(expected.items()))
                problems.append(f"outputs differ from an unkilled run: {[k for k, _ in diff][:6]}")
            problems += [f"after re-run: {p}" for p in partial_outputs(folder)]
            outcomes.append(Outcome(sc.name, point, reached, problems))
            say(f"{sc.name:15s} {point:24s} {'OK' if not problems else 'FAILED: ' + '; '.join(problems)}")
            shutil.rmtree(folder, ignore_errors=True)
    return outcomes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="only the points the test suite runs")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="killtest-"))
    only = {sc.name: sc.quick for sc in SCENARIOS} if args.quick else None
    try:
        outcomes = campaign(work, only=only)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    reached = sum(o.reached for o in outcomes)
    survived = sum(o.survived for o in outcomes)
    print(f"points: {len(outcomes)}, reached: {reached}, survived: {survived}")
    return 0 if survived == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
