"""`broadcast init DIR`: create a new station folder from the bundled example."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click

from broadcast.errors import ConfigError

# What a new station gets from the example (the repository root doubles as the example).
_EXAMPLE_FILES = ("station.yaml", "facts/README.md")
_EXAMPLE_FLAG = re.compile(r"^(\s*example:\s*)true\b.*$", re.MULTILINE)
_FOLDERS = ("scripts", "schedules", "audio_out", "facts", "jingles")


def example_dir() -> Path:
    """The bundled example station: the repository root next to the package."""
    return Path(__file__).resolve().parents[2]


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), metavar="THƯ_MỤC")
def command(directory: Path) -> None:
    """Tạo thư mục cho một đài mới từ đài mẫu."""
    target = directory.resolve()
    if (target / "station.yaml").exists():
        raise ConfigError(
            "thư mục này đã có station.yaml; không ghi đè.",
            file=target / "station.yaml",
            hint="Chọn thư mục khác hoặc sửa trực tiếp tệp đang có.",
        )
    source = example_dir()
    if not (source / "station.yaml").exists():
        raise ConfigError("không tìm thấy đài mẫu đi kèm chương trình.", file=source / "station.yaml")
    for folder in _FOLDERS:
        (target / folder).mkdir(parents=True, exist_ok=True)
    for name in _EXAMPLE_FILES:
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    # A new station is a real one: its figures are not examples.
    station_file = target / "station.yaml"
    text = station_file.read_text(encoding="utf-8")
    station_file.write_text(
        _EXAMPLE_FLAG.sub(r"\g<1>false                               # đài thật", text, count=1),
        encoding="utf-8",
    )
    click.echo(
        f"Đã tạo đài mới ở {target}.\n"
        "Việc tiếp theo: sửa station.yaml (tên đài, giờ phát, giọng đọc, số điện thoại — "
        "hiện vẫn là của đài mẫu); điền số liệu của tháng theo facts/README.md; "
        "rồi chạy 'broadcast make --station " + str(directory) + "'."
    )
