"""`broadcast worker`: run network jobs from a Redis queue until stopped (Ctrl+C or SIGTERM)."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.cli.network import heartbeat_option
from broadcast.network.queue import run_worker


@click.command("worker")
@click.option("--broker", required=True, metavar="redis://MÁY:6379/0", help="Địa chỉ máy chủ hàng đợi Redis.")
@click.option(
    "--network",
    "network_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="THƯ_MỤC",
    help="Thư mục mạng đài như máy này thấy (ổ mạng), nếu khác máy điều phối.",
)
@heartbeat_option("Phải giống giá trị của máy điều phối.")
@click.option("-v", "--verbose", is_flag=True, help="Ghi chi tiết để tìm lỗi.")
def command(broker: str, network_dir: Path | None, heartbeat: float, verbose: bool) -> None:
    """Nhận và làm việc của mạng đài từ hàng đợi (chạy trên mỗi máy làm việc)."""
    click.echo(f"Đang nhận việc từ {broker}. Dừng: Ctrl+C.", err=True)
    run_worker(broker, network_dir=str(network_dir.resolve()) if network_dir else None, heartbeat_s=heartbeat)
    click.echo("Đã dừng nhận việc.", err=True)
