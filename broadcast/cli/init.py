"""`broadcast init DIR`: create a new station folder from the example shipped with the package."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.store import StationStore


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC")
def command(directory: Path) -> None:
    """Tạo thư mục cho một đài mới từ đài mẫu."""
    store = StationStore.create(directory)
    click.echo(
        f"Đã tạo đài mới ở {store.root}.\n"
        "Việc tiếp theo: sửa station.yaml (tên đài, giờ phát, giọng đọc, số điện thoại — "
        "hiện vẫn là của đài mẫu); điền số liệu của tháng theo facts/README.md; "
        "rồi chạy 'broadcast make --station " + str(directory) + "'."
    )
