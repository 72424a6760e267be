"""`broadcast check`: estimated length per segment, unreadable words, fits or not."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.check import check_script
from broadcast.cli.common import month_option, station_options
from broadcast.cli.wording import command_line
from broadcast.config import load_station


def _mmss(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d}"


@click.command("check")
@station_options
@month_option()
def command(station_dir: Path, verbose: bool, month: str) -> None:
    """Kiểm tra kịch bản: độ dài ước tính, từ máy chưa đọc được; lỗi nếu không vừa thời lượng."""
    station = load_station(station_dir)
    report = check_script(station, month)
    click.echo(f"Kiểm tra kịch bản tháng {report.month}: {report.path}")
    click.echo(f"  Tốc độ đọc: {report.rate:.2f} âm tiết/giây ({report.rate_source})")
    for seg in report.segments:
        click.echo(
            f"  {_mmss(seg.total_s):>6}  ({seg.minutes:4.1f} phút, {seg.syllables:4d} âm tiết)  {seg.title}"
        )
    click.echo(
        f"  {_mmss(report.total_s):>6}  TỔNG CỘNG ({report.minutes:.1f} phút, {report.syllables} âm tiết)"
    )
    if len(report.by_engine) > 1:
        click.echo("  Theo từng giọng trong chuỗi (mất mạng thì giọng sau đọc thay):")
        for label, total in report.by_engine:
            click.echo(f"  {_mmss(total):>6}  ({total / 60:4.1f} phút)  {label}")
    click.echo(f"  {report.verdict()}")
    if report.unreadable:
        click.echo(
            f"  Có {len(report.unreadable)} từ máy chưa biết đọc (sửa trong kịch bản hoặc thêm vào lexicon.yaml):"
        )
        for u in report.unreadable:
            click.echo(f"    dòng {u.line}: {u.token}")
    else:
        click.echo("  Không có từ nào máy chưa biết đọc.")
    click.echo(f"  Trạng thái: {'ĐÃ DUYỆT' if report.status == 'approved' else 'bản nháp (chưa duyệt)'}")
    for warning in report.warnings:
        click.echo(f"  Lưu ý: {warning}")
    for step in report.next_steps:
        click.echo(f"  Việc tiếp theo: {command_line(step)}")
    for problem in report.slot_problems:
        click.echo(f"  KHÔNG VỪA BUỔI PHÁT: {problem.message}")
    report.raise_if_unfit()
