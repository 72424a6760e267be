"""`broadcast approve`: record who approved the month's script, when, and its hash."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.cli.common import month_option, station_options
from broadcast.config import load_station
from broadcast.pipeline import promote_draft
from broadcast.services.content import approve_month


@click.command("approve")
@station_options
@month_option()
@click.option("--by", "by", required=True, metavar="TÊN", help="Họ tên người duyệt.")
@click.option(
    "--confirm-example-figures",
    "confirm_example",
    is_flag=True,
    help="Vẫn duyệt dù số liệu của tháng là SỐ LIỆU VÍ DỤ (example: true); được ghi lại cùng lời duyệt.",
)
def command(station_dir: Path, verbose: bool, month: str, by: str, confirm_example: bool) -> None:
    """Duyệt kịch bản của tháng; sửa kịch bản sau khi duyệt thì phải duyệt lại.

    Số liệu ví dụ (facts có example: true) không được duyệt nếu không có --confirm-example-figures.
    """
    station = load_station(station_dir)
    script = approve_month(station, month, by, confirm_example=confirm_example)
    if script.meta.get("example_figures_confirmed"):
        click.echo(
            f"CHÚ Ý: kịch bản dùng SỐ LIỆU VÍ DỤ (facts/{script.month}.yaml); "
            "đã ghi nhận người duyệt chấp nhận (example_figures_confirmed: true)."
        )
    click.echo(f"Đã duyệt kịch bản tháng {script.month}: {script.path}")
    click.echo(f"  Người duyệt: {script.meta.get('approved_by')}, lúc {script.meta.get('approved_at')}")
    click.echo(f"  Mã kiểm tra: {script.body_sha256[:12]}… (sửa nội dung sau khi duyệt thì phải duyệt lại)")
    promoted = promote_draft(station, script.month, lambda text: click.echo(text, err=True))
    if promoted is not None:
        click.echo(
            f"  Bản nghe thử khớp với bản vừa duyệt: đã chuyển thành chương trình phát "
            f"({station.store.rel(station.store.programme_dir(script.month) / promoted.file)}), không phải dựng lại."
        )
    click.echo(f"  Tiếp theo: broadcast make --month {script.month} (dựng nếu cần và xếp lịch phát).")
