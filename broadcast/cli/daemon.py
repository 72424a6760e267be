"""`broadcast daemon`: the unattended scheduler (or one catch-up run with --run-due)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from broadcast.automation import run_daemon, run_due
from broadcast.cli.check_air import parse_now
from broadcast.cli.common import station_options
from broadcast.config import load_station


@click.command("daemon")
@station_options
@click.option("--run-due", "run_due_flag", is_flag=True,
              help="Chạy các việc đã đến hạn rồi thoát (cho cron, Windows Task Scheduler).")
@click.option("--now", "now_text", metavar="ISO-DATETIME",
              help="Với --run-due: coi như bây giờ là thời điểm này, ví dụ 2026-12-20T08:05.")
def command(station_dir: Path, verbose: bool, run_due_flag: bool, now_text: str | None) -> None:
    """Tự làm chương trình tháng sau và chuẩn bị thư mục phát ngày mai."""
    station = load_station(station_dir)
    if not run_due_flag:
        if now_text:
            raise click.UsageError("--now chỉ dùng cùng --run-due.")
        click.echo(f"Bắt đầu chạy tự động cho {station.name} (Ctrl+C để dừng). "
                   f"Nhật ký: {station.state_dir / 'automation.log'}", err=True)
        run_daemon(station)
        return
    runs = run_due(station, parse_now(now_text))
    if not runs:
        click.echo("Không có việc nào đến hạn.")
    bad = False
    for run in runs:
        click.echo(f"[{run.job}] {run.outcome}: {run.detail}")
        bad = bad or run.outcome in ("error", "fallback", "waiting_approval")
    if bad:
        sys.exit(1)
