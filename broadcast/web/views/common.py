"""What every view module shares: the station as its files say now, and URL validation."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.http import Http404

from broadcast.config import Station, load_station, validate_month
from broadcast.errors import BroadcastError
from broadcast.web.roles import ADMIN, APPROVER, EDITOR, OPERATOR

ANY = (EDITOR, APPROVER, OPERATOR, ADMIN)


def station() -> Station:
    """The station as its files say now (a hand edit is seen at the next page load)."""
    return load_station(settings.BROADCAST_STATION_DIR)


def station_now(st: Station) -> datetime:
    return datetime.now(st.tz)


def month_or_404(month: str) -> str:
    try:
        return validate_month(month)
    except BroadcastError as exc:
        raise Http404(exc.message) from None


def full_name(user: User) -> str:
    return user.get_full_name() or user.get_username()
