"""`broadcast asrun`: the as-run log of a month, reconciled with the schedule; CSV export."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from broadcast.cli.common import month_option, station_options
from broadcast.cli.play import parse_when
from broadcast.config import load_station, validate_month
from broadcast.fsutil import atomic_write_bytes
from broadcast.playout.asrun import open_log, reconcile, to_csv
from broadcast.playout.models import RESULT_VI
from broadcast.playout.source import TZ, slot_times
from broadcast.schedule import read_schedule


@click.command("asrun")
@station_options
@month_option()
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="TỆP",
    help="Ghi nhật ký ra tệp CSV (mở được bằng Excel).",
)
@click.option(
    "--now", "now_text", metavar="ISO-DATETIME", help="Đối chiếu đến thời điểm này (mặc định: bây giờ)."
)
def command(
    station_dir: Path, verbose: bool, month: str, csv_file: Path | None, now_text: str | None
) -> None:
    """Nhật ký phát sóng của tháng: đã phát gì, lúc nào, và lần nào theo lịch mà chưa phát."""

    month = validate_month(month)
    station = load_station(station_dir)
    with open_log(station.store) as log:
        rows = log.rows(month=month)
    if csv_file is not None:
        atomic_write_bytes(csv_file, ("\ufeff" + to_csv(rows)).encode("utf-8"))
        click.echo(f"Đã ghi {len(rows)} dòng nhật ký tháng {month} ra {csv_file}.")
    sched = read_schedule(station, month)
    airings = sched.airings if sched else []
    rec, extra = reconcile(airings, rows)
    click.echo(f"Nhật ký phát sóng tháng {month} — {station.name}")
    if sched is None:
        click.echo(f"  (tháng {month} chưa có lịch phát: chỉ liệt kê những gì đã phát)")

    now = parse_when(now_text, "--now") or datetime.now(TZ)
    missing = 0
    for r in rec:
        try:
            future = slot_times(station, r.date, r.slot)[0] > now
        except KeyError:  # a slot removed from station.yaml since the month was scheduled
            future = False
        if future and not r.rows:
            click.echo(f"{r.date:%d/%m/%Y} {r.start} ({r.slot}): chưa đến giờ phát")
            continue
        label = {
            "aired": "ĐÃ PHÁT",
            "fallback": "PHÁT THAY THẾ",
            "partial": "PHÁT DỞ",
            "missing": "CHƯA PHÁT",
            "failed": "LỖI",
            "skipped": "BỎ QUA",
        }.get(r.status, r.status.upper())
        click.echo(f"{r.date:%d/%m/%Y} {r.start} ({r.slot}): {label}")
        if r.status in ("missing", "skipped", "failed"):
            missing += 1
        for row in r.rows:
            end = row.actual_end[11:19] if row.actual_end else "--:--:--"
            click.echo(
                f"    {row.actual_start[11:19]}–{end}  {RESULT_VI.get(row.result, row.result)}: "
                f"{row.title} ({row.seconds_aired:.0f} giây){' — ' + row.reason if row.reason else ''}"
            )
    for row in extra:
        click.echo(
            f"{row.date} {row.slot} (ngoài lịch): {RESULT_VI.get(row.result, row.result)}: {row.title}"
        )
    if missing:
        click.echo(
            f"!!! {missing} lần phát theo lịch KHÔNG được phát. Kiểm tra máy phát và báo cán bộ phụ trách."
        )
        sys.exit(1)
    click.echo(
        "Mọi lần phát theo lịch đến nay đều đã có trong nhật ký."
        if rec
        else "Tháng này không có lần phát nào theo lịch."
    )
