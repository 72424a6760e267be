"""`broadcast produce`: voice and production of the month's script (audio + manifest)."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.cli.common import month_option, station_options
from broadcast.cli.make import summary
from broadcast.cli.wording import echo_event
from broadcast.config import load_station, validate_month
from broadcast.errors import NextStep
from broadcast.events import Progress
from broadcast.pipeline import MakeResult, produce_month, programme_folder
from broadcast.script import read_script


@click.command("produce")
@station_options
@month_option()
@click.option("--force", is_flag=True, help="Dựng lại âm thanh dù đã có.")
def command(station_dir: Path, verbose: bool, month: str, force: bool) -> None:
    """Đọc kịch bản và dựng tệp âm thanh của tháng."""
    station = load_station(station_dir)
    month = validate_month(month)
    manifest, produced = produce_month(station, month, force=force, progress=Progress(echo_event))
    result = MakeResult(
        month=month,
        script=station.store.script_path(month),
        manifest=manifest,
        produced=produced,
        folder=programme_folder(station, month),
    )
    if not read_script(result.script).approved:
        result.notes.append(
            f"kịch bản CHƯA ĐƯỢC DUYỆT: đây là bản nghe thử ({station.store.rel(station.store.draft_dir(month))}/), "
            "chưa được xếp lịch phát. Duyệt, rồi làm lại tháng này."
        )
        result.next_steps += [NextStep("approve", month=month), NextStep("make", month=month)]
    click.echo(summary(result, station.dir))
