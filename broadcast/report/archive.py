"""The archive of aired months, and the retention of day folders.

`archive_month` copies an aired month's programme (MP3, manifest, approved script, approval
record), its schedule and its as-run rows (JSON for the report, CSV for people) into
archive/YYYY/YYYY-MM/ with a SHA256SUMS list (the `sha256sum -c` format), swapped in whole.
`prune_days` removes day folders (audio_out/days/…) older than `archive.keep_days`, only of
months already archived, and never touches archive/. The report can be computed from the
archive alone (broadcast.report.collect.ArchiveRecords).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from broadcast.config import Station
from broadcast.errors import ConfigError, ScheduleError
from broadcast.fsutil import atomic_dir, remove_tree
from broadcast.playout.asrun import asrun_path, open_log, to_csv
from broadcast.playout.models import AsRunRow
from broadcast.production.manifest import (
    APPROVAL_NAME,
    APPROVED_SCRIPT_NAME,
    MANIFEST_NAME,
    read_approval,
    read_manifest,
)
from broadcast.report.collect import ARCHIVE_ASRUN_CSV, ARCHIVE_ASRUN_JSON, ARCHIVE_SCHEDULE, CHECKSUMS
from broadcast.schedule import read_schedule


@dataclass
class ArchiveResult:
    archived: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    not_ready: dict[str, str] = field(default_factory=dict)  # month -> why (Vietnamese)
    removed_days: list[date] = field(default_factory=list)
    kept_days: dict[date, str] = field(default_factory=dict)  # old day folders kept, and why


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def not_ready(station: Station, month: str, today: date) -> str | None:
    """Why `month` cannot be archived yet (Vietnamese), or None when it has aired."""
    folder = station.store.programme_dir(month)
    manifest = read_manifest(folder)
    approval = read_approval(folder)
    if manifest is None or not approval or not approval.get("approved_sha256"):
        return "chưa có chương trình đã duyệt"
    sched = read_schedule(station, month)
    if sched is None or not sched.airings:
        return "chưa có lịch phát"
    last = max(a.date for a in sched.airings)
    if last >= today:
        return f"chưa phát xong (lượt cuối ngày {last:%d/%m/%Y})"
    return None


def archive_month(station: Station, month: str, today: date) -> Path:
    """Copy the aired `month` into archive/YYYY/YYYY-MM/ (replacing an earlier copy whole)."""
    why = not_ready(station, month, today)
    if why:
        raise ScheduleError(
            f"chưa lưu trữ được tháng {month}: {why}.", hint="Lưu trữ sau khi tháng đã phát xong."
        )
    store = station.store
    folder = store.programme_dir(month)
    manifest = read_manifest(folder)
    assert manifest is not None  # checked by not_ready
    rows: list[AsRunRow] = []
    if asrun_path(store).is_file():
        with open_log(store) as log:
            rows = log.rows(month=month)
    target = store.archive_month_dir(month)
    with atomic_dir(target) as tmp:
        # The MP3's name is read from the manifest: it must name a file of this programme folder.
        mp3 = store.inside(folder.relative_to(store.root) / manifest.file, source=folder / MANIFEST_NAME)
        if mp3.parent != folder.resolve():
            raise ConfigError(
                f"tên tệp '{manifest.file}' trong manifest không hợp lệ.",
                file=folder / MANIFEST_NAME,
                hint="Dựng lại chương trình của tháng này.",
            )
        for name in (mp3.name, MANIFEST_NAME, APPROVAL_NAME, APPROVED_SCRIPT_NAME):
            if (folder / name).is_file():
                shutil.copy2(folder / name, tmp / name)
        shutil.copy2(store.schedule_path(month), tmp / ARCHIVE_SCHEDULE)
        (tmp / ARCHIVE_ASRUN_JSON).write_text(
            json.dumps(
                [{f: getattr(r, f) for f in AsRunRow.FIELDS} for r in rows], ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
        (tmp / ARCHIVE_ASRUN_CSV).write_bytes(("\ufeff" + to_csv(rows)).encode("utf-8"))
        sums = "".join(f"{_sha256(p)}  {p.name}\n" for p in sorted(tmp.iterdir()) if p.is_file())
        (tmp / CHECKSUMS).write_text(sums, encoding="utf-8")
    return target


def verify(station: Station, month: str) -> list[str]:
    """Problems of an archived month (Vietnamese), [] when every file matches SHA256SUMS."""
    folder = station.store.archive_month_dir(month)
    sums = folder / CHECKSUMS
    if not sums.is_file():
        return [f"thiếu tệp {CHECKSUMS}"]
    problems = []
    listed = set()
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed.add(name)
        path = station.store.inside(Path(folder.relative_to(station.store.root)) / name, source=sums)
        if not path.is_file():
            problems.append(f"thiếu tệp {name}")
        elif _sha256(path) != digest:
            problems.append(f"tệp {name} đã bị thay đổi (mã kiểm tra không khớp)")
    for p in folder.iterdir():
        if p.is_file() and p.name != CHECKSUMS and p.name not in listed:
            problems.append(f"tệp {p.name} không có trong {CHECKSUMS}")
    return problems


def prune_days(station: Station, today: date, keep_days: int, result: ArchiveResult) -> None:
    """Remove day folders older than `keep_days` whose month is archived and verifies."""
    archived = {m for m in station.store.archived_months() if not verify(station, m)}
    for path in station.store.day_dirs():
        day = date.fromisoformat(path.name)
        if (today - day).days <= keep_days:
            continue
        if f"{day:%Y-%m}" not in archived:
            result.kept_days[day] = "tháng chưa được lưu trữ"
            continue
        remove_tree(path)
        result.removed_days.append(day)


def run(
    station: Station, today: date, *, months: list[str] | None = None, prune: bool = True
) -> ArchiveResult:
    """Archive the given months (default: every aired month not archived yet), then prune day folders."""
    result = ArchiveResult()
    explicit = months is not None
    already = set(station.store.archived_months())
    for month in months if months is not None else station.store.programme_months():
        if not explicit and month in already and not verify(station, month):
            result.already.append(month)
            continue
        why = not_ready(station, month, today)
        if why:
            result.not_ready[month] = why
            continue
        archive_month(station, month, today)
        result.archived.append(month)
    if prune:
        keep = station.report.keep_days if station.report is not None else 90
        prune_days(station, today, keep, result)
    return result
