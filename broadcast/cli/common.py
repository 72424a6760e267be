"""Options shared by every command: `--station DIR` and `-v`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click

from broadcast.config import validate_month


def _default_station() -> str:
    return os.environ.get("BROADCAST_STATION", ".")


def station_options(func: Callable) -> Callable:
    """Add `--station DIR` (default: $BROADCAST_STATION or the current folder) and `-v`."""
    func = click.option("-v", "--verbose", is_flag=True, help="Ghi chi tiết (kể cả lệnh ffmpeg) để tìm lỗi.")(
        func
    )
    func = click.option(
        "--station",
        "station_dir",
        type=click.Path(file_okay=False, path_type=Path),
        metavar="THƯ_MỤC",
        default=_default_station,
        show_default="thư mục hiện tại hoặc $BROADCAST_STATION",
        help="Thư mục của đài (chứa station.yaml).",
    )(func)
    return func


def _valid_month(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Checked before the command runs: nothing is printed or done for a wrong month."""
    return validate_month(value) if value is not None else None


def month_option(required: bool = True) -> Callable:
    """`--month YYYY-MM` (12/2026 is accepted too), normalised to YYYY-MM."""
    return click.option(
        "--month",
        "month",
        required=required,
        metavar="YYYY-MM",
        callback=_valid_month,
        help="Tháng của chương trình, ví dụ 2026-12 (viết 12/2026 cũng được).",
    )
