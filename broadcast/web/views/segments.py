"""Tháng, segment by segment: save one segment, its live check, its audio preview."""

from __future__ import annotations

import re

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from broadcast.errors import BroadcastError, ScriptError
from broadcast.services import segments
from broadcast.services import web_console as wc
from broadcast.services.content import ConflictError
from broadcast.web import audit
from broadcast.web.decorators import role_required
from broadcast.web.roles import APPROVER, EDITOR
from broadcast.web.segment_forms import SegmentForm
from broadcast.web.views.common import month_or_404, station
from broadcast.web.views.months import _month_context

_SHA = re.compile(r"^[0-9a-f]{64}$")
_PREVIEW_NAME = re.compile(r"^[0-9a-f]{32}(-du-phong)?\.mp3$")


def _page(
    request: HttpRequest, month: str, index: int, form: SegmentForm, status: int, **extra
) -> HttpResponse:
    st = station()
    ctx = _month_context(request, st, month, segment_forms={index: form}, **extra)
    return render(request, "web/month.html", ctx, status=status)


def _lines(form: SegmentForm) -> list[str]:
    """The segment's new lines from a valid form; errors are put beside the field."""
    data = form.cleaned_data
    return segments.rebuild_segment(data["heading"], data["title"], form.parts())


@require_POST
@role_required(EDITOR)
def segment_save(request: HttpRequest, month: str, index: int) -> HttpResponse:
    month = month_or_404(month)
    form = SegmentForm.from_post(request.POST, index)
    if not form.is_valid():
        return _page(request, month, index, form, 400)
    try:
        lines = _lines(form)
    except ScriptError as exc:
        form.add_error("title" if exc.field == "title" else None, exc.message)
        return _page(request, month, index, form, 400)
    base = form.cleaned_data["base_sha256"]
    try:
        saved = segments.save_segment(
            station(),
            month,
            index,
            lines,
            base_sha256=base,
            segment_sha256=form.cleaned_data["segment_sha256"],
        )
    except ConflictError as exc:
        audit.record(
            request, "conflict", month=month, before=base, after=exc.current_sha256, detail=f"đoạn {index}"
        )
        diff = wc.text_diff(
            exc.current_text,
            "\n".join(lines),
            old_name="đoạn này, bản mới nhất",
            new_name="đoạn này, bản của bạn",
        )
        return _page(request, month, index, form, 409, conflict=str(exc), conflict_diff=diff)
    except BroadcastError as exc:
        form.add_error(None, str(exc))
        return _page(request, month, index, form, 400)
    if saved.changed:
        detail = f"đoạn {index}: {form.cleaned_data['title']}"
        if saved.merged:
            detail += " (tệp đã có sửa khác ở đoạn khác: đã ghép)"
        audit.record(request, "edit", month=month, before=base, after=saved.loaded.sha256, detail=detail)
    return redirect(reverse("month", kwargs={"month": month}) + f"#doan-{index}")


@require_POST
@role_required(EDITOR, APPROVER)
def segment_check(request: HttpRequest, month: str, index: int) -> HttpResponse:
    """The live check of one segment (htmx): as typed if the form is sent, else as saved."""
    month = month_or_404(month)
    st = station()
    ctx: dict = {"index": index}
    try:
        if f"d{index}-layout" in request.POST:
            form = SegmentForm.from_post(request.POST, index)
            if not form.is_valid():
                errors = [e for field_errors in form.errors.values() for e in field_errors]
                return render(request, "web/_segment_check.html", {**ctx, "error": " ".join(errors)})
            lines = _lines(form)
        else:
            current = segments.load_segments(st, month)
            seg = segments.segment_at(current, index)
            lines = current.split.lines[seg.start : seg.end]
        ctx["check"] = segments.check_segment(st, month, index, lines)
    except BroadcastError as exc:
        ctx["error"] = str(exc)
    return render(request, "web/_segment_check.html", ctx)


@require_GET
@role_required(EDITOR, APPROVER)
def segment_preview(request: HttpRequest, month: str, index: int) -> HttpResponse:
    """Voice and master the saved segment (cached) and answer with an audio player (htmx)."""
    month = month_or_404(month)
    sha = request.GET.get("ma", "")
    if not _SHA.match(sha):
        raise Http404("thiếu mã của đoạn")
    ctx: dict = {"index": index, "month": month}
    try:
        preview = segments.preview_segment(station(), month, index, sha)
    except ScriptError as exc:
        raise Http404(exc.message) from None
    except BroadcastError as exc:
        ctx["error"] = str(exc)
    else:
        ctx["preview"] = preview
        ctx["name"] = preview.path.name
    return render(request, "web/_segment_preview.html", ctx)


@require_GET
@role_required(EDITOR, APPROVER)
def preview_audio(request: HttpRequest, month: str, name: str) -> HttpResponse:
    month_or_404(month)
    if not _PREVIEW_NAME.match(name):
        raise Http404("không có bản nghe thử này")
    try:
        path = segments.preview_file(station(), name)
    except BroadcastError as exc:
        raise Http404(exc.message) from None
    return FileResponse(path.open("rb"), content_type="audio/mpeg")
