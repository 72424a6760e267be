"""Giọng người đọc: record (browser microphone) or upload a person's reading of a segment.

Editors record, upload and delete; everyone else reads the list and listens. The use cases
(checks, normalisation, storage, outdated readings) are in broadcast.services.readings.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from broadcast.errors import BroadcastError
from broadcast.services import readings as svc
from broadcast.web import audit
from broadcast.web.decorators import role_required
from broadcast.web.forms import ReadingForm
from broadcast.web.roles import EDITOR, user_roles
from broadcast.web.views.common import ANY, full_name, month_or_404, station

_SOURCES = {"micro": "ghi âm trên trang", "upload": "tải tệp lên"}


def _page(request: HttpRequest, month: str, position: int | None = None, **extra) -> HttpResponse:
    st = station()
    ctx: dict = {"month": month, "roles": user_roles(request.user), "EDITOR": EDITOR, "only": position}
    ctx["max_mb"] = svc.MAX_BYTES // (1024 * 1024)
    ctx["max_min"] = svc.MAX_SECONDS // 60
    ctx["accept"] = ",".join(svc.EXTENSIONS) + ",audio/*"
    try:
        rows = svc.month_readings(st, month)
        if position is not None:
            rows = [r for r in rows if r.position == position]
            if not rows:
                raise Http404("không có đoạn này")
        ctx["rows"] = rows
    except BroadcastError as exc:
        ctx["load_error"] = str(exc)
    ctx.update(extra)
    status = 400 if extra.get("error") else 200
    return render(request, "web/readings.html", ctx, status=status)


@require_GET
@role_required(*ANY)
def readings_view(request: HttpRequest, month: str) -> HttpResponse:
    return _page(request, month_or_404(month))


@require_GET
@role_required(*ANY)
def reading_segment_view(request: HttpRequest, month: str, position: int) -> HttpResponse:
    return _page(request, month_or_404(month), position)


@require_POST
@role_required(EDITOR)
def reading_save(request: HttpRequest, month: str, position: int) -> HttpResponse:
    month = month_or_404(month)
    # Refuse an oversized upload before Django spools it to disk.
    if int(request.META.get("CONTENT_LENGTH") or 0) > svc.MAX_BYTES + 64 * 1024:
        return _page(
            request,
            month,
            error=f"Tệp quá lớn (tối đa {svc.MAX_BYTES // (1024 * 1024)} MB); chưa lưu gì.",
            error_at=position,
        )
    form = ReadingForm(request.POST, request.FILES)
    if not form.is_valid():
        message = "; ".join(e for errors in form.errors.values() for e in errors)
        return _page(request, month, error=message, error_at=position)
    upload = form.cleaned_data["audio"]
    name = Path(upload.name or "ghi-am.webm").name
    with tempfile.TemporaryDirectory(prefix="broadcast-reading-") as tmp:
        src = Path(tmp) / ("upload" + Path(name).suffix.lower())
        with open(src, "wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        try:
            reading = svc.add_reading(
                station(),
                month,
                position,
                src,
                by=full_name(request.user),
                source=form.cleaned_data["source"],
                original_name=name,
                expected_sha256=form.cleaned_data["segment_sha256"],
            )
        except BroadcastError as exc:
            return _page(
                request, month, error=exc.message + (f" {exc.hint}" if exc.hint else ""), error_at=position
            )
    audit.record(
        request,
        "reading",
        month=month,
        after=reading.audio_sha256,
        detail=f"đoạn {position} ({reading.segment_title}): lưu bản ghi {reading.duration_s:.0f} giây, "
        f"{_SOURCES.get(reading.source, reading.source)}",
    )
    return redirect(f"/thang/{month}/giong-doc/#doan-{position}")


@require_POST
@role_required(EDITOR)
def reading_delete(request: HttpRequest, month: str, position: int) -> HttpResponse:
    month = month_or_404(month)
    try:
        reading = svc.delete_reading(station(), month, position)
    except BroadcastError as exc:
        return _page(request, month, error=exc.message, error_at=position)
    audit.record(
        request,
        "reading",
        month=month,
        before=reading.audio_sha256,
        detail=f"đoạn {position} ({reading.segment_title}): xóa bản ghi",
    )
    return redirect(f"/thang/{month}/giong-doc/#doan-{position}")


@require_GET
@role_required(*ANY)
def reading_audio(request: HttpRequest, month: str, position: int) -> HttpResponse:
    month = month_or_404(month)
    try:
        path = svc.reading_audio(station(), month, position)
    except BroadcastError as exc:
        raise Http404(exc.message) from None
    return FileResponse(path.open("rb"), content_type="audio/wav")
