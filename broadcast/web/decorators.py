"""Access rules: every view says which roles may use it (checked on the server)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from broadcast.web.roles import ROLES, user_roles


def role_required(*roles: str) -> Callable:
    """Logged in and holding at least one of `roles` (none given: any logged-in person)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if roles and not (user_roles(request.user) & set(roles)):
                names = ", ".join(ROLES[r] for r in roles)
                return render(request, "web/refused.html", {"needed": names}, status=403)
            return view(request, *args, **kwargs)

        wrapped.roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorator
