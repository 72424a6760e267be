"""`broadcast make`: the main job — script, check, produce and schedule a month."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from broadcast.cli.common import month_option, station_options
from broadcast.cli.wording import command_line, echo_event
from broadcast.config import load_station
from broadcast.events import Progress
from broadcast.pipeline import EXIT_CANNOT_AIR, MakeResult, make, months_to_make


def _minutes(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} phút {s:02d} giây"


def summary(result: MakeResult, station_dir: Path, main_engine: str | None = None) -> str:
    """The short Vietnamese summary printed at the end of the main job."""
    if result.listening_copy:
        lines = [
            f"Tháng {result.month}: đã dựng BẢN NGHE THỬ (kịch bản chưa được duyệt); bản này không được phát."
        ]
    else:
        lines = [f"Xong chương trình tháng {result.month}."]
    rel = lambda p: Path(p).relative_to(station_dir) if Path(p).is_absolute() else p  # noqa: E731
    lines.append(f"  Kịch bản:   {rel(result.script)}")
    m = result.manifest
    if m is not None:
        lines.append(f"  Âm thanh:   {rel(result.folder / m.file) if result.folder else m.file}")
        lines.append(f"  Thời lượng: {_minutes(m.duration_s)} (đo trên tệp MP3)")
        lines.append(
            f"  Độ lớn:     {m.loudness_lufs:.1f} LUFS, đỉnh {m.true_peak_dbtp:.1f} dBTP (đo trên tệp MP3)"
        )
        voices = ", ".join(
            f"người đọc {count} đoạn" if name == "human" else f"{name} {count} câu"
            for name, count in m.engines.items()
        )
        main = main_engine or "giọng chính"
        state = (
            f"có câu đọc bằng GIỌNG DỰ PHÒNG thay cho {main} (không có mạng hoặc {main} lỗi)"
            if m.degraded
            else "đúng giọng đã chọn"
        )
        lines.append(f"  Giọng đọc:  tổng {sum(m.engines.values())} câu: {voices} — {state}")
        human = [s.title for s in m.segments if s.kind == "speech" and s.engine == "human"]
        if human:
            lines.append(
                f"  Giọng người đọc: {len(human)} đoạn dùng bản ghi của người đọc ({', '.join(human)})"
            )
        if result.produced:
            lines.append(f"  Câu đọc mới: {m.clips_synthesized}, lấy lại từ bộ nhớ đệm: {m.clips_cached}")
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
    for command in dict.fromkeys(command_line(step) for step in result.next_steps):
        lines.append(f"  Việc tiếp theo: {command}")
    return "\n".join(lines)


@click.command("make")
@station_options
@month_option(required=False)
@click.option("--auto-approve", is_flag=True, help="Tự duyệt kịch bản (chỉ để chạy thử).")
@click.option("--force", is_flag=True, help="Dựng lại âm thanh dù đã có.")
def command(station_dir: Path, verbose: bool, month: str | None, auto_approve: bool, force: bool) -> None:
    """Làm trọn chương trình của một tháng.

    Không có --month: làm tháng sau, và cả tháng này nếu tháng này còn buổi phát mà chưa có
    chương trình (đài mới bắt đầu dùng).
    """
    station = load_station(station_dir)
    if month:
        months = [month]  # already checked by --month
    else:
        months = months_to_make(station, datetime.now(station.tz).date())
        if len(months) > 1:
            click.echo(
                f"Tháng {months[0]} còn buổi phát mà chưa có chương trình: làm tháng {months[0]} "
                f"rồi đến tháng {months[1]}.",
                err=True,
            )
    main_engine = station.voice.main[0].engine if station.voice.main else None
    cannot_air = []
    for i, one in enumerate(months):
        click.echo(f"Làm chương trình tháng {one} cho {station.name}", err=True)
        reporter = Progress(echo_event)
        result = make(
            station, one, auto_approve=True if auto_approve else None, force=force, progress=reporter
        )
        click.echo(("\n" if i else "") + summary(result, station.dir, main_engine))
        if not result.can_air:
            cannot_air.append(result.month)
    for one in cannot_air:
        click.echo(f"Tháng {one} chưa thể phát: chưa có chương trình đã duyệt được xếp lịch.", err=True)
    if cannot_air:
        # Documented in README and docs/operators.md: 3 = a month made cannot air.
        sys.exit(EXIT_CANNOT_AIR)
