"""`broadcast plan`: the topic for each month of a year (schedules/plan-YYYY.yaml)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from broadcast.cli.common import station_options
from broadcast.config import load_station
from broadcast.topics import AREAS, load_plan, load_topics, plan_path, plan_year


def _valid_year(value: int | None) -> int | None:
    if value is not None and not 2000 <= value <= 2100:
        raise click.BadParameter(
            f"'{value}' không phải một năm; viết đủ 4 chữ số, ví dụ --year 2027.", param_hint="--year"
        )
    return value


@click.command("plan")
@station_options
@click.option(
    "--year",
    type=int,
    default=None,
    metavar="YYYY",
    callback=lambda ctx, p, v: _valid_year(v),
    help="Năm cần lập kế hoạch, đủ 4 chữ số (mặc định: năm nay).",
)
@click.option("--force", is_flag=True, help="Lập lại kế hoạch dù đã có (bản cũ được lưu .bak).")
def command(station_dir: Path, verbose: bool, year: int | None, force: bool) -> None:
    """Lập kế hoạch chủ đề cho 12 tháng (schedules/plan-YYYY.yaml, cán bộ sửa được)."""
    station = load_station(station_dir)
    year = year or date.today().year
    existed = plan_path(station, year).exists()
    path = plan_year(station, year, force=force)
    topics = load_topics(station)
    plan = load_plan(station, year) or {}
    if existed and not force:
        click.echo(f"Kế hoạch năm {year} đã có, giữ nguyên: {path}")
        click.echo("  (muốn lập lại từ đầu: thêm --force; bản cũ được lưu thành tệp .bak)")
    else:
        click.echo(f"Đã lập kế hoạch năm {year}: {path}")
    for month in sorted(plan):
        t = topics[plan[month].topic]
        click.echo(f"  {month}  {t.title}  [{AREAS[t.area]}]")
    covered = {topics[e.topic].area for e in plan.values()}
    missing = [AREAS[a] for a in AREAS if a not in covered]
    if missing:
        click.echo("  Lưu ý: kế hoạch chưa có chủ đề về " + "; ".join(missing) + ".")
    else:
        click.echo("  Đủ cả sáu nội dung cải cách hành chính trong năm.")
