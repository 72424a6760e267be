"""`broadcast script`: render the month's script from the templates, topics and facts."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.cli.common import month_option, station_options
from broadcast.config import load_station
from broadcast.script import read_script, render_script


@click.command("script")
@station_options
@month_option()
@click.option(
    "--force", is_flag=True, help="Soạn lại dù kịch bản đã được sửa hoặc duyệt (bản cũ được lưu .bak)."
)
def command(station_dir: Path, verbose: bool, month: str, force: bool) -> None:
    """Soạn kịch bản của tháng (scripts/YYYY-MM.md); không ghi đè bản cán bộ đã sửa."""
    station = load_station(station_dir)
    path = render_script(station, month, force=force)
    script = read_script(path)
    click.echo(f"Kịch bản tháng {script.month}: {path}")
    click.echo(f"  Chủ đề: {script.title}")
    click.echo(f"  Trạng thái: {'đã duyệt' if script.approved else 'bản nháp'}")
    if script.meta.get("example_facts"):
        click.echo(
            "  Lưu ý: kịch bản dùng SỐ LIỆU VÍ DỤ; thay bằng số liệu thật trong "
            f"facts/{script.month}.yaml rồi soạn lại."
        )
    elif not script.meta.get("facts"):
        click.echo(f"  Chưa có facts/{script.month}.yaml nên không có phần tin số liệu trong tháng.")
    click.echo(
        f"  Tiếp theo: đọc lại, sửa nếu cần, rồi 'broadcast check --month {script.month}' "
        f"và 'broadcast approve --month {script.month} --by TÊN'."
    )
