"""`broadcast network`: produce every member station of a network for a month, and show the results."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from broadcast.cli.common import month_option
from broadcast.network.config import load_network
from broadcast.network.coordinator import make_network
from broadcast.network.models import JobResult
from broadcast.network.progress import collect, summary_json, summary_text
from broadcast.network.queue import DEFAULT_HEARTBEAT_S


def _network_option(func):
    return click.option(
        "--network",
        "network_dir",
        type=click.Path(file_okay=False, path_type=Path),
        metavar="THƯ_MỤC",
        default=lambda: os.environ.get("BROADCAST_NETWORK", "."),
        show_default="thư mục hiện tại hoặc $BROADCAST_NETWORK",
        help="Thư mục của mạng đài (chứa network.yaml).",
    )(func)


def heartbeat_option(help_text: str) -> Callable:
    """--heartbeat, the same on the coordinator (`network make`) and the workers."""
    return click.option(
        "--heartbeat",
        type=click.FloatRange(1, 3600),
        default=DEFAULT_HEARTBEAT_S,
        metavar="GIÂY",
        show_default=True,
        help=help_text,
    )


@click.group("network")
def command() -> None:
    """Mạng đài: làm chương trình riêng cho từng đài thành viên."""


@command.command("make")
@_network_option
@month_option(required=True)
@click.option(
    "--broker",
    metavar="redis://MÁY:6379/0",
    default=None,
    help="Gửi việc lên hàng đợi Redis cho các máy chạy 'broadcast worker'. Bỏ trống: làm trên máy này.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    metavar="N",
    help="Số tiến trình làm song song trên máy này (khi không dùng --broker).",
)
@heartbeat_option("Sau bao lâu không nghe thấy một máy làm việc thì giao việc của nó cho máy khác.")
@click.option("--no-wait", is_flag=True, help="Chỉ gửi việc lên hàng đợi, không chờ kết quả.")
@click.option("-v", "--verbose", is_flag=True, help="Ghi chi tiết để tìm lỗi.")
def make_cmd(
    network_dir: Path,
    month: str,
    broker: str | None,
    workers: int | None,
    heartbeat: float,
    no_wait: bool,
    verbose: bool,
) -> None:
    """Làm chương trình tháng cho mọi đài của mạng.

    Mỗi đài một việc; đài lỗi không làm dừng các đài khác. Mã thoát: 0 mọi đài xong,
    1 có đài lỗi, 3 có đài chưa được duyệt kịch bản (chưa thể phát).
    """
    results = make_network(
        network_dir,
        month,
        broker=broker,
        workers=workers,
        heartbeat_s=heartbeat,
        wait=not no_wait,
        emit=lambda s: click.echo(s, err=True),
    )
    if no_wait:
        return
    click.echo(summary_text(results))
    _exit(results)


@command.command("status")
@_network_option
@month_option(required=True)
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def status_cmd(network_dir: Path, month: str, as_json: bool) -> None:
    """Xem kết quả từng đài của một tháng."""
    net = load_network(network_dir)
    results = collect(net.root, month, [m.slug for m in net.members])
    click.echo(summary_json(results) if as_json else summary_text(results))


def _exit(results: list[JobResult]) -> None:
    if any(r.status == "failed" for r in results):
        sys.exit(1)
    if any(r.status != "ok" for r in results):
        sys.exit(3)
