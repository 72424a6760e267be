"""`broadcast init DIR`: create a new station folder from the bundled example."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from broadcast.errors import ConfigError

# What a new station gets from the example (the repository root doubles as the example).
_EXAMPLE_FILES = ("station.yaml",)
_FOLDERS = ("scripts", "schedules", "audio_out", "facts", "jingles")


def example_dir() -> Path:
    """The bundled example station: the repository root next to the package."""
    return Path(__file__).resolve().parents[2]


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
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
        shutil.copy2(source / name, target / name)
    click.echo(
        f"Đã tạo đài mới ở {target}.\n"
        "Việc tiếp theo: sửa station.yaml (tên đài, giờ phát, giọng đọc, số điện thoại), "
        "rồi chạy 'broadcast make --station " + str(directory) + "'."
    )
