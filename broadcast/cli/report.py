"""`broadcast report`: the 6-monthly/annual CCHC publicity report (DOCX, XLSX annex, HTML)."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.cli.common import station_options
from broadcast.config import load_station
from broadcast.fsutil import atomic_write_bytes
from broadcast.report import docx, html, xlsx
from broadcast.report.collect import ArchiveRecords, LiveRecords, collect
from broadcast.report.models import parse_period

FORMATS = ("docx", "xlsx", "html")


@click.command("report")
@station_options
@click.option(
    "--period",
    "period_text",
    metavar="KỲ",
    help="Kỳ báo cáo: 2027 (cả năm), 2027-H1 / 2027-H2 (6 tháng), 2027-Q1 … 2027-Q4 (quý).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="docx",
    show_default=True,
    help="docx: văn bản Word để ký; xlsx: phụ lục bảng tính; html: xem trên màn hình.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="TỆP",
    help="Tệp ghi ra (mặc định: bao-cao-KỲ.docx trong thư mục hiện tại).",
)
@click.option(
    "--from-archive",
    "from_archive",
    is_flag=True,
    help="Tính từ hồ sơ lưu trữ (archive/) thay vì thư mục đang dùng.",
)
def command(
    station_dir: Path, verbose: bool, period_text: str | None, fmt: str, out: Path | None, from_archive: bool
) -> None:
    """Báo cáo kết quả tuyên truyền cải cách hành chính 6 tháng, quý hoặc năm.

    Mọi con số lấy từ hồ sơ của đài: kịch bản đã duyệt, tệp chương trình, lịch phát và nhật ký
    phát sóng (tháng chưa có nhật ký thì tính theo lịch).
    """
    period = parse_period(period_text)  # before the station: a wrong period costs nothing
    station = load_station(station_dir)
    records = ArchiveRecords(station) if from_archive else LiveRecords(station)
    report = collect(station, period, records)
    if fmt == "docx":
        data = docx.render(station, report)
    elif fmt == "xlsx":
        data = xlsx.render(report)
    else:
        data = html.render(station, report)
    out = out or Path(f"bao-cao-{period.code}.{fmt}")
    atomic_write_bytes(out, data)
    click.echo(f"Đã ghi báo cáo {period.label} ({fmt}): {out}")
    click.echo(
        f"  {len(report.programmes)} chương trình, {len(report.airings)} lượt phát theo lịch "
        f"(đã phát {report.count('aired')}, phát dở {report.count('partial')}, không phát "
        f"{report.count('missed')}, phát thay thế {report.count('substituted')}, theo lịch "
        f"{report.count('planned')})."
    )
    if report.missing_months:
        click.echo("  Chưa có chương trình đã duyệt: " + ", ".join(report.missing_months) + ".")
