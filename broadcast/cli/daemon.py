"""`broadcast daemon`: the unattended scheduler (or one catch-up run with --run-due)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from broadcast.automation import run_daemon, run_due
from broadcast.cli.check_air import parse_now
from broadcast.cli.common import station_options
from broadcast.cli.wording import command_line
from broadcast.config import load_station

# How a run is shown to the operator; the English codes stay in automation.log (docs/operators.md).
JOB_NAMES = {
    "generate": "Làm chương trình tháng sau",
    "prepare": "Chuẩn bị thư mục phát ngày mai",
}
OUTCOMES = {
    "ok": "xong",
    "skipped": "không có việc phải làm",
    "waiting_approval": "CHỜ DUYỆT",
    "fallback": "PHẢI PHÁT THAY",
    "error": "LỖI",
}
NEEDS_ATTENTION = ("error", "fallback", "waiting_approval")


def describe(job: str, outcome: str, detail: str) -> str:
    """One job run in Vietnamese, with the log's outcome code so the two can be matched."""
    name = JOB_NAMES.get(job, job)
    said = OUTCOMES.get(outcome, outcome)
    return f"[{name}] {said} ({outcome}): {detail}"


@click.command("daemon")
@station_options
@click.option(
    "--run-due",
    "run_due_flag",
    is_flag=True,
    help="Chạy các việc đã đến hạn rồi thoát (cho cron, Windows Task Scheduler).",
)
@click.option(
    "--now",
    "now_text",
    metavar="ISO-DATETIME",
    help="Với --run-due: coi như bây giờ là thời điểm này, ví dụ 2026-12-20T08:05.",
)
def command(station_dir: Path, verbose: bool, run_due_flag: bool, now_text: str | None) -> None:
    """Tự làm chương trình tháng sau và chuẩn bị thư mục phát ngày mai."""
    station = load_station(station_dir)
    if not run_due_flag:
        if now_text:
            raise click.UsageError("--now chỉ dùng cùng --run-due.")
        click.echo(
            f"Bắt đầu chạy tự động cho {station.name} (Ctrl+C để dừng). "
            f"Nhật ký: {station.store.state_dir / 'automation.log'}",
            err=True,
        )
        run_daemon(station)
        return
    now = parse_now(now_text)
    # Each run is printed below; its log line (also in automation.log) would say it twice.
    auto_log = logging.getLogger("broadcast.automation")
    level = auto_log.level
    if not verbose:
        auto_log.setLevel(logging.CRITICAL)
    try:
        # A --now given by hand is a trial: it must not change what the real runs will do.
        runs = run_due(station, now, trial=now_text is not None)
    finally:
        auto_log.setLevel(level)
    if now_text is not None:
        click.echo(
            f"(Chạy thử với --now: trạng thái tự động thật không bị ghi; nhật ký chạy thử ở "
            f"{station.store.state_dir / 'automation-trial-runs.jsonl'}.)",
            err=True,
        )
    if not runs:
        click.echo("Không có việc nào đến hạn.")
    for run in runs:
        click.echo(describe(run.job, run.outcome, run.detail))
        for step in run.next_steps:
            click.echo(f"  Việc tiếp theo: {command_line(step)}")
    attention = [run for run in runs if run.outcome in NEEDS_ATTENTION]
    if attention:
        which = "; ".join(
            f"{JOB_NAMES.get(r.job, r.job)}: {OUTCOMES.get(r.outcome, r.outcome)}" for r in attention
        )
        click.echo(
            f"Cần xem lại — {which} (nhật ký: {station.store.state_dir / 'automation.log'}).", err=True
        )
        sys.exit(1)
