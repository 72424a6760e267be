"""First run, login/logout, the audit log and the people of the console."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from broadcast.web import audit
from broadcast.web.decorators import role_required
from broadcast.web.forms import (
    LoginForm,
    UserForm,
)
from broadcast.web.models import AuditEntry, LoginFailure
from broadcast.web.roles import ADMIN, APPROVER, ROLES, set_roles, user_roles

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)

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
