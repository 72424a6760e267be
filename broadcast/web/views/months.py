"""Năm and Tháng: the year's overview, the month's script, check, approval and background runs."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from broadcast import services
from broadcast.config import Station
from broadcast.errors import BroadcastError
from broadcast.services import web_console as wc
from broadcast.web import audit, jobs
from broadcast.web.decorators import role_required
from broadcast.web.forms import (
    ApproveForm,
    CheckTextForm,
    RunForm,
    ScriptForm,
    SpokenForm,
)
from broadcast.web.roles import APPROVER, EDITOR, OPERATOR, ROLES, user_roles
from broadcast.web.segment_forms import segment_rows
from broadcast.web.views.common import ANY, full_name, month_or_404, station, station_now

# --------------------------------------------------------------------------- Năm


@require_GET
@role_required(*ANY)
def year_view(request: HttpRequest, year: int | None = None) -> HttpResponse:
    st = station()
    year = year or station_now(st).year
    if not 2000 <= year <= 2100:
        raise Http404("năm không hợp lệ")
    months = services.year_overview(st, year)
    return render(
        request,
        "web/year.html",
        {"year": year, "months": months, "station": st, "prev": year - 1, "next": year + 1},
    )


# --------------------------------------------------------------------------- Tháng


def _month_context(request: HttpRequest, st: Station, month: str, **extra) -> dict:
    ctx: dict = {
        "month": month,
        "station": st,
        "status": services.month_status(st, month),
        "roles": user_roles(request.user),
        "job": jobs.running(month),
    }
    try:
        loaded = services.load_script_text(st, month)
        ctx["loaded"] = loaded
        ctx.setdefault("form", ScriptForm(initial={"text": loaded.text, "base_sha256": loaded.sha256}))
        previous = wc.last_approved_text(st, month)
        ctx["approved_diff"] = (
            None
            if previous is None
            else wc.text_diff(previous, loaded.text, old_name="bản đã duyệt", new_name="bản hiện tại")
        )
        ctx["approve_form"] = ApproveForm(initial={"body_sha256": loaded.script.body_sha256})
        ctx["segments"], ctx["segments_error"] = segment_rows(
            loaded, editable=EDITOR in ctx["roles"], bound=extra.get("segment_forms")
        )
        ctx["whole_open"] = "form" in extra
    except BroadcastError as exc:
        ctx["load_error"] = str(exc)
    ctx["programmes"] = wc.month_programmes(st, month)
    ctx["EDITOR"], ctx["APPROVER"], ctx["OPERATOR"] = EDITOR, APPROVER, OPERATOR
    ctx.update(extra)
    return ctx


@require_GET
@role_required(*ANY)
def month_view(request: HttpRequest, month: str) -> HttpResponse:
    month = month_or_404(month)
    st = station()
    return render(request, "web/month.html", _month_context(request, st, month))


@require_POST
@role_required(EDITOR)
def month_save(request: HttpRequest, month: str) -> HttpResponse:
    month = month_or_404(month)
    st = station()
    form = ScriptForm(request.POST)
    if not form.is_valid():
        return render(request, "web/month.html", _month_context(request, st, month, form=form), status=400)
    base = form.cleaned_data["base_sha256"]
    try:
        saved = services.save_script_text(
            st, month, form.cleaned_data["text"], base_sha256=base, by=full_name(request.user)
        )
    except services.ConflictError as exc:
        audit.record(request, "conflict", month=month, before=base, after=exc.current_sha256)
        diff = wc.text_diff(
            exc.current_text,
            form.cleaned_data["text"],
            old_name="bản mới nhất trên máy",
            new_name="bản của bạn",
        )
        return render(
            request,
            "web/month.html",
            _month_context(request, st, month, form=form, conflict=str(exc), conflict_diff=diff),
            status=409,
        )
    except BroadcastError as exc:
        form.add_error("text", str(exc))
        return render(request, "web/month.html", _month_context(request, st, month, form=form), status=400)
    audit.record(request, "edit", month=month, before=base, after=saved.sha256)
    return redirect("month", month=month)


@require_POST
@role_required(EDITOR, APPROVER)
def month_check(request: HttpRequest, month: str) -> HttpResponse:
    """The live check panel (htmx): the saved script's estimate and problems."""
    month = month_or_404(month)
    st = station()
    CheckTextForm(request.POST).is_valid()
    try:
        report = services.check_month(st, month)
        error = ""
    except BroadcastError as exc:
        report, error = None, str(exc)
    return render(request, "web/_check.html", {"report": report, "error": error})


@require_POST
@role_required(EDITOR, APPROVER)
def spoken(request: HttpRequest, month: str) -> HttpResponse:
    month = month_or_404(month)
    form = SpokenForm(request.POST)
    ctx: dict = {"form": form}
    if form.is_valid():
        text, changes = services.spoken_form(station(), form.cleaned_data["sentence"])
        ctx.update(spoken=text, changes=changes)
    return render(request, "web/_spoken.html", ctx)


@require_POST
@role_required(APPROVER)
def month_approve(request: HttpRequest, month: str) -> HttpResponse:
    month = month_or_404(month)
    st = station()
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return render(request, "web/month.html", _month_context(request, st, month), status=400)
    loaded = services.load_script_text(st, month)
    if loaded.script.body_sha256 != form.cleaned_data["body_sha256"]:
        return render(
            request,
            "web/month.html",
            _month_context(
                request,
                st,
                month,
                approve_error="Kịch bản vừa được sửa sau khi bạn mở trang; đọc lại bản mới rồi mới duyệt.",
            ),
            status=409,
        )
    try:
        script, promoted = wc.approve_and_promote(
            st, month, full_name(request.user), confirm_example=form.cleaned_data["confirm_example"]
        )
    except BroadcastError as exc:
        return render(
            request, "web/month.html", _month_context(request, st, month, approve_error=str(exc)), status=400
        )
    audit.record(
        request,
        "approve",
        month=month,
        before=loaded.script.body_sha256,
        after=script.body_sha256,
        detail="bản nghe thử thành chương trình phát" if promoted else "",
    )
    return redirect("month", month=month)


@require_POST
@role_required(EDITOR, OPERATOR)
def month_run(request: HttpRequest, month: str) -> HttpResponse:
    month = month_or_404(month)
    st = station()
    form = RunForm(request.POST)
    if not form.is_valid():
        raise Http404("không rõ việc cần làm")
    kind = form.cleaned_data["kind"]
    if kind == "make" and not user_roles(request.user) & {OPERATOR}:
        return render(request, "web/refused.html", {"needed": ROLES[OPERATOR]}, status=403)

    def work(progress) -> str:
        if kind == "produce":
            manifest, _ = services.produce_month(st, month, progress=progress)
            return f"Xong: {manifest.duration_s / 60:.1f} phút."
        result = services.make(st, month, progress=progress)
        return "Xong: đã xếp lịch phát." if result.can_air else "Xong, nhưng tháng này chưa phát được."

    job = jobs.start(month, kind, request.user.get_username(), work)
    audit.record(request, kind, month=month)
    if request.htmx:
        return render(request, "web/_job.html", {"job": job, "month": month})
    return redirect("month", month=month)


@require_GET
@role_required(EDITOR, OPERATOR)
def job_view(request: HttpRequest, month: str, job_id: str) -> HttpResponse:
    month = month_or_404(month)
    job = jobs.get(job_id)
    if job is None or job.month != month:
        raise Http404("không có việc này")
    return render(request, "web/_job.html", {"job": job, "month": month})


@require_GET
@role_required(*ANY)
def programme_audio(request: HttpRequest, month: str, kind: str) -> HttpResponse:
    month = month_or_404(month)
    try:
        path = wc.programme_file(station(), month, kind)
    except BroadcastError as exc:
        raise Http404(exc.message) from None
    return FileResponse(path.open("rb"), content_type="audio/mpeg")
