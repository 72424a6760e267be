"""`broadcast make`: the main job — script, check, produce and schedule a month."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from broadcast.cli.common import month_option, station_options
from broadcast.config import load_station
from broadcast.pipeline import EXIT_CANNOT_AIR, MakeResult, Reporter, make, next_month


def _minutes(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} phút {s:02d} giây"


def summary(result: MakeResult, station_dir: Path) -> str:
    """The short Vietnamese summary printed at the end of the main job."""
    if result.folder is not None and result.folder.parent.name == "drafts":
        lines = [f"Tháng {result.month}: đã dựng BẢN NGHE THỬ (kịch bản chưa được duyệt); bản này không được phát."]
    else:
        lines = [f"Xong chương trình tháng {result.month}."]
    rel = lambda p: Path(p).relative_to(station_dir) if Path(p).is_absolute() else p  # noqa: E731
    lines.append(f"  Kịch bản:   {rel(result.script)}")
    m = result.manifest
    if m is not None:
        folder = result.folder or station_dir / "audio_out" / result.month
        lines.append(f"  Âm thanh:   {rel(folder / m.file)}")
        lines.append(f"  Thời lượng: {_minutes(m.duration_s)} (đo trên tệp MP3)")
        lines.append(
            f"  Độ lớn:     {m.loudness_lufs:.1f} LUFS, đỉnh {m.true_peak_dbtp:.1f} dBTP (đo trên tệp MP3)"
        )
        voices = ", ".join(f"{name} ({count} câu)" for name, count in m.engines.items())
        state = "GIỌNG DỰ PHÒNG (không có mạng hoặc giọng chính lỗi)" if m.degraded else "giọng chính"
        lines.append(f"  Giọng đọc:  {voices} — {state}")
        if result.produced:
            lines.append(
                f"  Câu đọc mới: {m.clips_synthesized}, lấy lại từ bộ nhớ đệm: {m.clips_cached}"
            )
        else:
            lines.append("  Âm thanh đã dựng trước đó vẫn đúng với kịch bản: dùng lại, không dựng lại.")
    if result.days:
        first, last = result.days[0], result.days[-1]
        lines.append(
            f"  Lịch phát:  {result.airings} lần trong {len(result.days)} ngày "
            f"({first:%d/%m} – {last:%d/%m}), schedules/{result.month}.yaml và .ics"
        )
        lines.append(f"  Thư mục từng ngày: audio_out/days/ (ví dụ audio_out/days/{first.isoformat()}/)")
    for note in result.notes:
        lines.append(f"  Lưu ý: {note}")
    return "\n".join(lines)


@click.command("make")
@station_options
@month_option(required=False)
@click.option("--auto-approve", is_flag=True, help="Tự duyệt kịch bản (chỉ để chạy thử).")
@click.option("--force", is_flag=True, help="Dựng lại âm thanh dù đã có.")
def command(station_dir: Path, verbose: bool, month: str | None, auto_approve: bool, force: bool) -> None:
    """Làm trọn chương trình của một tháng (mặc định: tháng sau)."""
    station = load_station(station_dir)
    month = month or next_month(date.today())
    click.echo(f"Làm chương trình tháng {month} cho {station.name}", err=True)
    reporter = Reporter(lambda text: click.echo(text, err=True))
    result = make(station, month, auto_approve=True if auto_approve else None, force=force, progress=reporter)
    click.echo(summary(result, station.dir))
    if not result.can_air:
        # Documented in README and docs/operators.md: 3 = the month made cannot air.
        click.echo(f"Tháng {result.month} chưa thể phát: chưa có chương trình đã duyệt được xếp lịch.", err=True)
        sys.exit(EXIT_CANNOT_AIR)
