"""`broadcast day`: the running order of one day, as the operator needs it."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import click

from broadcast.cli.common import station_options
from broadcast.cli.wording import command_line
from broadcast.config import load_station
from broadcast.schedule import day_running_order, missing_airings, render_day

# Exit code when a planned airing of the day has no programme (docs/operators.md).
EXIT_MISSING = 3


def parse_day(text: str) -> date:
    """A date as staff write it: 2026-12-05 or 05/12/2026 (day first, as in Vietnam)."""
    text = text.strip()
    unified = text.replace("-", "/").replace(".", "/")
    for fmt in ("%Y/%m/%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(unified, fmt).date()
        except ValueError:
            continue
    raise click.BadParameter(
        f"'{text}'; viết dạng NĂM-THÁNG-NGÀY (2026-12-05) hoặc NGÀY/THÁNG/NĂM (05/12/2026).",
        param_hint="NGÀY",
    )


@click.command("day")
@station_options
@click.argument("day", required=False, metavar="[NGÀY]")
def command(station_dir: Path, verbose: bool, day: str | None) -> None:
    """In lịch phát của một ngày (mặc định: hôm nay).

    NGÀY viết dạng 2026-12-05 hoặc 05/12/2026. Mã thoát 3: có buổi phát theo kế hoạch
    mà chưa có chương trình.
    """
    station = load_station(station_dir)
    if day:
        when = parse_day(day)
    else:
        when = datetime.now(station.tz).date()
    items = day_running_order(station, when)
    missing = missing_airings(station, when, items)
    click.echo(render_day(station, when, items, missing, command=command_line))
    if missing:
        sys.exit(EXIT_MISSING)
