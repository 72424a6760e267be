"""Hôm nay and Lịch phát: the day's running order, files, ZIP, the month's airings and .ics."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from broadcast import services
from broadcast.config import Station
from broadcast.errors import BroadcastError
from broadcast.services import web_console as wc
from broadcast.web import audit
from broadcast.web.decorators import role_required
from broadcast.web.roles import ADMIN, OPERATOR, user_roles
from broadcast.web.views.common import ANY, month_or_404, station, station_now

# --------------------------------------------------------------------------- Hôm nay


def _day(text: str | None, st: Station):
    if not text:
        return station_now(st).date()
    try:
        return wc.validate_day(text)
    except BroadcastError as exc:
        raise Http404(exc.message) from None


@require_GET
@role_required(*ANY)
def today_view(request: HttpRequest, day: str | None = None) -> HttpResponse:
    st = station()
    when = _day(day, st)
    items = services.day_running_order(st, when)
    missing = services.missing_airings(st, when, items)
    status = services.month_status(st, f"{when:%Y-%m}")
    banners = [f"Buổi {a.start} ({a.slot}) chưa có chương trình để phát." for a in missing]
    if any(i.substitute for i in items):
        banners.append("Có chương trình PHÁT THAY (không phải chương trình của tháng).")
    approved = any(p.kind == "approved" for p in wc.month_programmes(st, f"{when:%Y-%m}"))
    if not approved:
        banners.append(f"Chương trình tháng {when:%m/%Y} chưa được duyệt ({status.label}).")
    banners += [w for w in status.warnings if "ví dụ" in w]
    notes = [w for w in status.warnings if w not in banners]
    return render(
        request,
        "web/today.html",
        {
            "day": when,
            "items": items,
            "banners": banners,
            "notes": notes,
            "station": st,
            "has_folder": st.store.day_dir(when).is_dir(),
            "prev": when - timedelta(days=1),
            "next": when + timedelta(days=1),
            "can_download": bool(user_roles(request.user) & {OPERATOR, ADMIN}),
        },
    )


@require_GET
@role_required(*ANY)
def day_audio(request: HttpRequest, day: str, name: str) -> HttpResponse:
    st = station()
    when = _day(day, st)
    try:
        path = wc.day_file(st, when, name)
    except BroadcastError as exc:
        raise Http404(exc.message) from None
    types = {".mp3": "audio/mpeg", ".m3u8": "audio/x-mpegurl", ".html": "text/html; charset=utf-8"}
    return FileResponse(path.open("rb"), content_type=types.get(path.suffix, "application/octet-stream"))


@require_GET
@role_required(OPERATOR, ADMIN)
def day_zip(request: HttpRequest, day: str) -> HttpResponse:
    st = station()
    when = _day(day, st)
    try:
        data = wc.day_zip(st, when)
    except BroadcastError as exc:
        raise Http404(exc.message) from None
    audit.record(request, "download", month=f"{when:%Y-%m}", detail=f"thư mục ngày {when.isoformat()}")
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{when.isoformat()}.zip"'
    return response


# --------------------------------------------------------------------------- Lịch phát


@require_GET
@role_required(*ANY)
def schedule_view(request: HttpRequest, month: str | None = None) -> HttpResponse:
    st = station()
    month = month_or_404(month) if month else f"{station_now(st):%Y-%m}"
    airings = wc.month_airings(st, month)
    first = date(int(month[:4]), int(month[5:]), 1)
    before, after = first - timedelta(days=1), first + timedelta(days=31)
    return render(
        request,
        "web/schedule.html",
        {
            "month": month,
            "month_label": f"{month[5:]}/{month[:4]}",
            "airings": airings,
            "station": st,
            "weeks": wc.month_grid(st, month, airings, station_now(st).date()),
            "planned": [
                (d, st.slot(s).name, st.slot(s).start.strftime("%H:%M"))
                for d, s in (airings.calendar.airings if airings.calendar else [])
            ],
            "weekdays": ["Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "Chủ nhật"],
            "prev": f"{before:%Y-%m}",
            "next": f"{after:%Y-%m}",
        },
    )


@require_GET
@role_required(*ANY)
def schedule_ics(request: HttpRequest, month: str) -> HttpResponse:
    month = month_or_404(month)
    ics = wc.month_airings(station(), month).ics
    if ics is None:
        raise Http404("tháng này chưa có lịch")
    return FileResponse(
        ics.open("rb"),
        content_type="text/calendar; charset=utf-8",
        as_attachment=True,
        filename=f"{month}.ics",
    )
