"""The operator's terminal text for `broadcast day`: a day's running order, plain Vietnamese."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from broadcast.calendar import holiday_name
from broadcast.config import Station
from broadcast.errors import NextStep
from broadcast.models.schedule import RunningItem, ScheduledAiring
from broadcast.render.sheet import RUNNING_ORDER
from broadcast.render.text import mmss, vi_date


def day_text(
    station: Station,
    day: date,
    items: list[RunningItem],
    missing: list[ScheduledAiring] | None = None,
    *,
    folder: str = "",
    prepared: bool = True,
    command: Callable[[NextStep], str] | None = None,
) -> str:
    """The running order of a day as plain Vietnamese text for the terminal.

    `missing` (from `schedule.missing_airings`) are planned airings with no programme: shown
    first and loudly, with the way to fill them. `folder` is the day folder as shown to the
    operator and `prepared` whether it exists. `command` words a next step for the front end
    (the CLI passes its command line); without it the steps are said in words only.
    """
    lines = [f"Lịch phát sóng {vi_date(day)} — {station.name}"]
    hol = holiday_name(day)
    if hol:
        lines.append(f"Ngày lễ: {hol}.")
    month = f"{day:%Y-%m}"

    def step(words: str, next_step: NextStep) -> str:
        return f"{words} ({command(next_step)})" if command else words

    for a in missing or []:
        slot = station.slot(a.slot)
        lines.append(
            f"!!! CHƯA CÓ CHƯƠNG TRÌNH cho buổi {slot.name} lúc {a.start} (theo kế hoạch phát của đài)."
        )
    if missing:
        lines.append(
            f"    Cách sửa: {step(f'làm chương trình tháng {month}', NextStep('make', month=month))}, duyệt "
            f"kịch bản, rồi {step('kiểm tra sẵn sàng phát', NextStep('check-air'))}. Nếu chưa kịp, bước kiểm "
            "tra sẵn sàng phát sẽ chuẩn bị chương trình phát thay (tháng trước hoặc thông báo chung)."
        )
    if not items:
        if not missing:
            lines.append("Không có chuyên mục CCHC phát trong ngày này.")
        return "\n".join(lines)
    lines.append(f"Thư mục: {folder}/")
    if not prepared:
        lines.append(
            f"CHÚ Ý: thư mục ngày chưa được chuẩn bị. "
            f"{step('Kiểm tra sẵn sàng phát', NextStep('check-air'))} để chuẩn bị."
        )
    lines.append("")
    current = None
    for it in items:
        if it.slot != current:
            current = it.slot
            lines.append(f"{it.start}  {it.slot_name}")
        flag = "" if it.present else "  [THIẾU TỆP]"
        sub = "  [PHÁT THAY]" if it.substitute else ""
        lines.append(f"   {it.order}. {it.title}  ({mmss(it.duration_s)}){sub}{flag}")
        lines.append(f"      tệp: {it.file}")
    total = sum(i.duration_s for i in items)
    lines.append("")
    lines.append(
        f"Tổng thời lượng: {mmss(total)} (phút:giây). In tờ lịch: {RUNNING_ORDER} trong thư mục ngày."
    )
    return "\n".join(lines)
