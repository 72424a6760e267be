"""The console's roles (Django groups); one person may hold several."""

from __future__ import annotations

EDITOR = "editor"
APPROVER = "approver"
OPERATOR = "operator"
ADMIN = "admin"

ROLES = {
    EDITOR: "biên tập viên",
    APPROVER: "lãnh đạo duyệt",
    OPERATOR: "kỹ thuật viên",
    ADMIN: "quản trị",
}

# Accepted on the command line (`broadcast web adduser NAME --role …`), Vietnamese too.
ALIASES = {
    "editor": EDITOR,
    "bien-tap": EDITOR,
    "bientap": EDITOR,
    "approver": APPROVER,
    "duyet": APPROVER,
    "lanh-dao": APPROVER,
    "operator": OPERATOR,
    "ky-thuat": OPERATOR,
    "kythuat": OPERATOR,
    "admin": ADMIN,
    "quan-tri": ADMIN,
    "quantri": ADMIN,
}


def user_roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, "_broadcast_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) & set(ROLES)
        user._broadcast_roles = cached
    return cached


def set_roles(user, roles: set[str]) -> None:
    from django.contrib.auth.models import Group

    groups = [Group.objects.get_or_create(name=r)[0] for r in sorted(roles)]
    user.groups.set(groups)
    user._broadcast_roles = None
