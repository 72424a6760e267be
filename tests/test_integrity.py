"""Only approved audio airs and it is never lost; state never lies (issues 11 and 12).

Real `make` runs with the silent engine: the approved programme and its listening copy,
promotion on approval, exit 3 when a month cannot air, damaged masters, leftovers, the lock.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from datetime import datetime, time
from pathlib import Path

import pytest
from conftest import make_station, run_cli

from broadcast import readiness
from broadcast.config import load_station
from broadcast.events import Progress
from broadcast.fsutil import atomic_dir
from broadcast.pipeline import make, make_lock
from broadcast.script import read_script

MONTH = "2027-01"
SILENT = {"main": [{"engine": "silent", "syllable_s": 0.3}], "second": [], "fallback": True}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def day_mp3s(st, days) -> dict[Path, str]:
    return {mp3: sha(mp3) for d in days for mp3 in (st.store.days_dir / d.isoformat()).glob("*.mp3")}


@pytest.fixture(scope="module")
def approved(tmp_path_factory):
    """A station whose January was made and approved (auto-approve), scheduled."""
    d = make_station(tmp_path_factory.mktemp("approved"), voice=SILENT)
    st = load_station(d)
    result = make(st, MONTH, auto_approve=True, progress=Progress())
    assert result.scheduled and result.can_air
    return st, result


def test_an_edit_after_approval_keeps_the_approved_programme_on_air(approved, capsys):
    """Issue 12 #1: the edit makes a listening copy apart; the approved audio stays and airs."""
    st, first = approved
    live = st.store.programme_dir(MONTH)
    mp3 = live / first.manifest.file
    before = sha(mp3)
    days_before = day_mp3s(st, first.days)
    assert (
        json.loads((live / "approval.json").read_text("utf-8"))["approved_sha256"]
        == first.manifest.script_sha256
    )
    # A killed encode's temp folder from an earlier run (issue 11 #9) is cleaned at the start.
    leftover = st.store.audio_dir / f".{MONTH}.killed.tmp"
    leftover.mkdir()
    (leftover / "half.mp3").write_bytes(b"\0" * 1000)

    path = st.store.script_path(MONTH)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Kính thưa", "Kính chào", 1), encoding="utf-8")
    code = run_cli(["make", "--station", str(st.dir), "--month", MONTH])
    out = capsys.readouterr().out
    assert code == 0  # the approved version still airs
    assert "CHƯA ĐƯỢC DUYỆT" in out and f"audio_out/drafts/{MONTH}" in out
    assert not leftover.exists()
    # The approved programme, its approval record and its day folders are untouched.
    assert sha(mp3) == before
    assert day_mp3s(st, first.days) == days_before
    assert (live / "kich-ban-da-duyet.md").read_text("utf-8") == text
    # The listening copy is apart, made from the edited text.
    draft = json.loads((st.store.audio_dir / "drafts" / MONTH / "manifest.json").read_text("utf-8"))
    edited = read_script(path)
    assert draft["script_sha256"] == edited.body_sha256 != first.manifest.script_sha256
    # The front matter tells the truth.
    assert edited.meta["status"] == "draft" and "status: draft" in path.read_text(encoding="utf-8")
    # On air: the approved programme, ready, no substitute.
    report = readiness.check_air(st, datetime.combine(first.days[0], time(0, 1)), days=0, apply=True)
    assert report.ready and not any(c.substitute for c in report.checks)
    assert day_mp3s(st, first.days) == days_before

    # Approval of the matching listening copy promotes it: no re-synthesis.
    draft_mp3 = sha(st.store.audio_dir / "drafts" / MONTH / draft["file"])
    assert (
        run_cli(
            [
                "approve",
                "--station",
                str(st.dir),
                "--month",
                MONTH,
                "--by",
                "Nguyễn Văn B",
                "--confirm-example-figures",
            ]
        )
        == 0
    )
    assert "không phải dựng lại" in capsys.readouterr().out
    assert not (st.store.audio_dir / "drafts" / MONTH).exists()
    assert sha(mp3) == draft_mp3
    result = make(st, MONTH, progress=Progress())
    assert result.produced is False and result.scheduled and result.can_air
    assert all(h == draft_mp3 for h in day_mp3s(st, result.days).values())


def test_make_exits_3_when_the_month_it_made_cannot_air(tmp_path, capsys):
    d = make_station(tmp_path, voice=SILENT)
    code = run_cli(["make", "--station", str(d), "--month", "2027-02"])
    cap = capsys.readouterr()
    assert code == 3
    assert "BẢN NGHE THỬ" in cap.out and "Xong chương trình" not in cap.out
    assert "chưa thể phát" in cap.err
    assert not (d / "audio_out" / "2027-02").exists()
    assert (d / "audio_out" / "drafts" / "2027-02" / "manifest.json").exists()
    assert not (d / "schedules" / "2027-02.yaml").exists()


def test_a_truncated_master_is_not_ready_is_remade_and_spares_the_day_folders(tmp_path):
    """Issue 11 #6: size + sha256 in the manifest; day folders are copies, not hard links."""
    d = make_station(tmp_path, voice=SILENT)
    st = load_station(d)
    first = make(st, "2027-03", auto_approve=True, progress=Progress())
    m = first.manifest
    mp3 = st.store.programme_dir("2027-03") / m.file
    assert m.file_size == mp3.stat().st_size and m.file_sha256 == sha(mp3)
    days = day_mp3s(st, first.days)
    whole = mp3.read_bytes()
    with open(mp3, "r+b") as fh:  # cut to 10 %, in place
        fh.truncate(len(whole) // 10)
    assert day_mp3s(st, first.days) == days  # the day copies are not damaged with it
    report = readiness.check_air(st, datetime.combine(first.days[0], time(0, 1)), days=0, apply=False)
    assert not report.ready
    text = report.render()
    assert "bị hỏng" in text and "CHƯA SẴN SÀNG" in text
    again = make(st, "2027-03", progress=Progress())
    assert again.produced is True
    assert mp3.stat().st_size == len(whole)


def test_a_second_make_waits_for_the_first_and_says_so(tmp_path):
    """Issue 12 #12: one main job per station; the waiting one says so in Vietnamese."""
    d = make_station(tmp_path, voice=SILENT)
    st = load_station(d)
    st.store.state_dir.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); "
            "print('held', flush=True); sys.stdin.read()",
            str(st.store.state_dir / "make.lock"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        said: list[str] = []
        waiting = threading.Event()
        entered = threading.Event()

        def say(text):
            said.append(text)
            waiting.set()

        def second():
            with make_lock(st, say, poll=0.05):
                entered.set()

        t = threading.Thread(target=second)
        t.start()
        assert waiting.wait(60)
        assert not entered.is_set()
        assert "Đang chờ" in said[0] and "make.lock" in said[0]
        holder.stdin.close()
        t.join(60)
        assert entered.is_set()
    finally:
        holder.kill()
        holder.wait()


def test_a_symlinked_folder_is_replaced_as_a_link_and_leaves_nothing_behind(tmp_path):
    """Issue 11 #10: no `.NAME.old` symlink left, no 'Cannot call rmtree on a symbolic link'."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    target = tmp_path / "audio_out" / "2027-01"
    target.parent.mkdir()
    target.symlink_to(elsewhere, target_is_directory=True)
    for n in range(2):
        with atomic_dir(target) as tmp:
            (tmp / "x.mp3").write_text(str(n))
    assert not target.is_symlink() and (target / "x.mp3").read_text() == "1"
    assert sorted(p.name for p in target.parent.iterdir()) == ["2027-01"]
    assert (elsewhere / "keep.txt").read_text() == "mine"  # the link's target untouched
    # A `.NAME.old` link left by an earlier version does not stop the next run either.
    (target.parent / ".2027-01.old").symlink_to(elsewhere, target_is_directory=True)
    with atomic_dir(target) as tmp:
        (tmp / "x.mp3").write_text("2")
    assert sorted(p.name for p in target.parent.iterdir()) == ["2027-01"]
    assert (elsewhere / "keep.txt").read_text() == "mine"
