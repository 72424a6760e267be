"""What every page's frame needs: the station's name and the pages this person may open."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from broadcast.web.roles import ADMIN, APPROVER, EDITOR, OPERATOR, ROLES, user_roles


def console(request: HttpRequest) -> dict:
    roles = user_roles(request.user)
    menu = []
    if roles:
        menu.append(("year", "Năm"))
    if roles & {OPERATOR, ADMIN, EDITOR, APPROVER}:
        menu.append(("today", "Hôm nay"))
        menu.append(("schedule", "Lịch phát"))
        menu.append(("report", "Báo cáo"))
    if roles and bool(getattr(settings, "BROADCAST_NETWORK_DIR", "")):
        menu.append(("network", "Mạng đài"))
    if roles & {OPERATOR, ADMIN}:
        menu.append(("playout", "Phát sóng"))
    if roles & {ADMIN, APPROVER}:
        menu.append(("audit", "Nhật ký"))
    if ADMIN in roles:
        menu.append(("users", "Tài khoản"))
        menu.append(("settings", "Cài đặt đài"))
    return {
        "menu": menu,
        "my_roles": [ROLES[r] for r in sorted(roles)],
        "station_dir": settings.BROADCAST_STATION_DIR,
    }
