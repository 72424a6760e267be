"""Plain function views: read the request, call `broadcast.services`, render a template.

No business rule lives here; every view is guarded by `role_required` (decorators.py) and
every input goes through a form (forms.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from broadcast import services
from broadcast.config import Station, load_station, validate_month
from broadcast.errors import BroadcastError
from broadcast.report.models import AIRED, MISSED, PARTIAL, PLANNED, SUBSTITUTED, PeriodError
from broadcast.services import reports
from broadcast.services import web_console as wc
from broadcast.web import audit, jobs
from broadcast.web.decorators import role_required
from broadcast.web.forms import (
    ApproveForm,
    CheckTextForm,
    LoginForm,
    RunForm,
    ScriptForm,
    SpokenForm,
    UserForm,
)
from broadcast.web.models import AuditEntry, LoginFailure
from broadcast.web.roles import ADMIN, APPROVER, EDITOR, OPERATOR, ROLES, set_roles, user_roles

ANY = (EDITOR, APPROVER, OPERATOR, ADMIN)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


def station() -> Station:
    """The station as its files say now (a hand edit is seen at the next page load)."""
    return load_station(settings.BROADCAST_STATION_DIR)


def _now(st: Station) -> datetime:
    return datetime.now(st.tz)


def _month_or_404(month: str) -> str:
    try:
        return validate_month(month)
    except BroadcastError as exc:
        raise Http404(exc.message) from None


def _full_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


# --------------------------------------------------------------------------- login, first run


@require_http_methods(["GET", "HEAD", "POST"])
def first_run(request: HttpRequest) -> HttpResponse:
    """The first administrator; closed once anyone exists."""
    if User.objects.exists():
        return redirect("login")
    form = UserForm(request.POST or None, initial={"roles": list(ROLES)})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = _create_user(form.cleaned_data)
        audit.record(
            request, "setup", detail=f"roles: {', '.join(sorted(user_roles(user)))}", username=user.username
        )
        login(request, user)
        return redirect("year")
    return render(request, "web/first_run.html", {"form": form})


def _create_user(data: dict) -> User:
    first, _, last = data["full_name"].strip().rpartition(" ")
    user = User.objects.create_user(
        data["username"], password=data["password"], first_name=first or last, last_name=last if first else ""
    )
    set_roles(user, set(data["roles"]))
    return user


def _throttled(username: str, ip: str) -> bool:
    since = timezone.now() - FAILURE_WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    return (
        recent.filter(username__iexact=username).count() >= MAX_FAILURES
        or recent.filter(ip=ip).count() >= 4 * MAX_FAILURES
    )


@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if not User.objects.exists():
        return redirect("first_run")
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        name, ip = form.cleaned_data["username"], audit.client_ip(request)
        if _throttled(name, ip):
            error = (
                "Đăng nhập sai quá nhiều lần. Chờ 15 phút rồi thử lại, hoặc nhờ quản trị đặt lại mật khẩu."
            )
        else:
            user = authenticate(request, username=name, password=form.cleaned_data["password"])
            if user is None:
                LoginFailure.objects.create(username=name, ip=ip)
                audit.record(request, "login_failed", username=name)
                error = "Sai tên đăng nhập hoặc mật khẩu."
            else:
                login(request, user)
                audit.record(request, "login")
                target = request.GET.get("next", "")
                return redirect(target if target.startswith("/") and not target.startswith("//") else "year")
    return render(request, "web/login.html", {"form": form, "error": error}, status=200 if not error else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(request, "logout")
    logout(request)
    return redirect("login")


# --------------------------------------------------------------------------- Năm


@require_GET
@role_required(*ANY)
def year_view(request: HttpRequest, year: int | None = None) -> HttpResponse:
    st = station()
    year = year or _now(st).year
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
    except BroadcastError as exc:
        ctx["load_error"] = str(exc)
    ctx["programmes"] = wc.month_programmes(st, month)
    ctx["EDITOR"], ctx["APPROVER"], ctx["OPERATOR"] = EDITOR, APPROVER, OPERATOR
    ctx.update(extra)
    return ctx


@require_GET
@role_required(*ANY)
def month_view(request: HttpRequest, month: str) -> HttpResponse:
    month = _month_or_404(month)
    st = station()
    return render(request, "web/month.html", _month_context(request, st, month))


@require_POST
@role_required(EDITOR)
def month_save(request: HttpRequest, month: str) -> HttpResponse:
    month = _month_or_404(month)
    st = station()
    form = ScriptForm(request.POST)
    if not form.is_valid():
        return render(request, "web/month.html", _month_context(request, st, month, form=form), status=400)
    base = form.cleaned_data["base_sha256"]
    try:
        saved = services.save_script_text(st, month, form.cleaned_data["text"], base_sha256=base)
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
    month = _month_or_404(month)
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
    month = _month_or_404(month)
    form = SpokenForm(request.POST)
    ctx: dict = {"form": form}
    if form.is_valid():
        text, changes = services.spoken_form(station(), form.cleaned_data["sentence"])
        ctx.update(spoken=text, changes=changes)
    return render(request, "web/_spoken.html", ctx)


@require_POST
@role_required(APPROVER)
def month_approve(request: HttpRequest, month: str) -> HttpResponse:
    month = _month_or_404(month)
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
            st, month, _full_name(request.user), confirm_example=form.cleaned_data["confirm_example"]
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
    month = _month_or_404(month)
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
    month = _month_or_404(month)
    job = jobs.get(job_id)
    if job is None or job.month != month:
        raise Http404("không có việc này")
    return render(request, "web/_job.html", {"job": job, "month": month})


@require_GET
@role_required(*ANY)
def programme_audio(request: HttpRequest, month: str, kind: str) -> HttpResponse:
    month = _month_or_404(month)
    try:
        path = wc.programme_file(station(), month, kind)
    except BroadcastError as exc:
        raise Http404(exc.message) from None
    return FileResponse(path.open("rb"), content_type="audio/mpeg")


# --------------------------------------------------------------------------- Hôm nay


def _day(text: str | None, st: Station):
    if not text:
        return _now(st).date()
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
    month = _month_or_404(month) if month else f"{_now(st):%Y-%m}"
    airings = wc.month_airings(st, month)
    return render(request, "web/schedule.html", {"month": month, "airings": airings, "station": st})


@require_GET
@role_required(*ANY)
def schedule_ics(request: HttpRequest, month: str) -> HttpResponse:
    month = _month_or_404(month)
    ics = wc.month_airings(station(), month).ics
    if ics is None:
        raise Http404("tháng này chưa có lịch")
    response = FileResponse(ics.open("rb"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{month}.ics"'
    return response


# --------------------------------------------------------------------------- Nhật ký, tài khoản


@require_GET
@role_required(ADMIN, APPROVER)
def audit_view(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.all()[:300]
    return render(request, "web/audit.html", {"entries": entries, "actions": audit.ACTIONS})


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(ADMIN)
def users_view(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _create_user(form.cleaned_data)
        audit.record(request, "user", detail=f"thêm {user.username}: {', '.join(sorted(user_roles(user)))}")
        return redirect("users")
    people = [(u, [ROLES[r] for r in sorted(user_roles(u))]) for u in User.objects.order_by("username")]
    return render(
        request,
        "web/users.html",
        {"form": form, "people": people},
        status=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------- Báo cáo


def _report_or_404(st: Station, period: str):  # type: ignore[no-untyped-def]
    try:
        return reports.period_report(st, period)
    except PeriodError as exc:
        raise Http404(exc.message) from None


@require_GET
@role_required(*ANY)
def report_view(request: HttpRequest) -> HttpResponse:
    st = station()
    period = request.GET.get("ky") or f"{_now(st):%Y}"
    report = _report_or_404(st, period)
    counts = {
        "aired": report.count(AIRED),
        "partial": report.count(PARTIAL),
        "missed": report.count(MISSED),
        "fallback": report.count(SUBSTITUTED),
        "planned": report.count(PLANNED),
    }
    year = report.period.year
    periods = [f"{year}", f"{year}-H1", f"{year}-H2"] + [f"{year}-Q{q}" for q in range(1, 5)]
    return render(
        request,
        "web/report.html",
        {"report": report, "counts": counts, "period": report.period.code, "periods": periods, "station": st},
    )


@require_GET
@role_required(*ANY)
def report_download(request: HttpRequest, period: str, fmt: str) -> HttpResponse:
    st = station()
    report = _report_or_404(st, period)
    if fmt not in reports.FORMATS:
        raise Http404("định dạng không có")
    data, name, content_type = reports.report_file(st, report, fmt)
    audit.record(request, "download", detail=f"báo cáo {report.period.code} ({fmt})")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
