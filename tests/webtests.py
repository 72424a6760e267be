"""Shared set-up of the web console tests (imported by tests/test_web_*.py).

Django is configured once per test process with a throw-away SQLite file; each test gets a
fresh copy of the example station (voiced by the `silent` engine) and empty tables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import make_station

SILENT = {"main": [{"engine": "silent", "syllable_s": 0.3}], "second": [], "fallback": True}
PASSWORD = "mat-khau-dai-9"


_READY: list[Path] = []


@pytest.fixture(scope="session")
def django_ready(tmp_path_factory):
    # Imported by several test modules (each its own fixture for pytest): set up once.
    if _READY:
        return _READY[0]
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API + the ORM
    root = tmp_path_factory.mktemp("webdb")
    make_station(root)
    from django.test.utils import setup_test_environment

    from broadcast.web import conf

    conf.configure(root, db_path=root / "web.sqlite3", key="test-secret-key-" + "x" * 40)
    setup_test_environment()
    conf.migrate()
    _READY.append(root)
    return root


@dataclass
class WebEnv:
    dir: Path

    @property
    def station(self):
        from broadcast.config import load_station

        return load_station(self.dir)

    @property
    def audit(self):
        """The audit log's rows (a Django manager)."""
        from broadcast.web.models import AuditEntry

        return AuditEntry.objects

    def user(self, name: str, *roles: str, full_name: str = ""):
        from django.contrib.auth.models import User

        from broadcast.web.roles import set_roles

        first, _, last = (full_name or f"Người {name}").rpartition(" ")
        user = User.objects.create_user(name, password=PASSWORD, first_name=first, last_name=last)
        set_roles(user, set(roles))
        return user

    def client(self, *roles: str, name: str | None = None):
        from django.test import Client

        c = Client()
        if roles:
            c.force_login(self.user(name or "-".join(roles), *roles))
        return c


@pytest.fixture
def web(django_ready, tmp_path):
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.models import Session
    from django.test import override_settings

    from broadcast.web.models import AuditEntry, LoginFailure

    (tmp_path / "station").mkdir()
    station = make_station(
        tmp_path / "station", voice=SILENT, programme={"min_minutes": 1, "max_minutes": 15}
    )
    for model in (AuditEntry, LoginFailure, Session, User, Group):
        model.objects.all().delete()
    with override_settings(BROADCAST_STATION_DIR=str(station)):
        yield WebEnv(Path(station))
    from broadcast.web import jobs

    jobs.wait_all()


ROLES = ["editor", "approver", "operator", "admin"]


def write_minute_script(st, month: str, *, approved: bool = False) -> Path:
    """A draft script long enough (> 1 minute with the silent voice) to be produced."""
    from conftest import write_script

    path = write_script(st, month, approved=False)
    extra = " ".join(["Bà con có thể nộp hồ sơ trực tuyến tại nhà, không cần đến trụ sở."] * 18)
    text = path.read_text(encoding="utf-8").replace("## Mở đầu\n", "## Mở đầu\n[[nhạc hiệu]]\n", 1)
    path.write_text(text + "\n" + extra + "\n\n[[nhạc kết]]\n", encoding="utf-8")
    if approved:
        from broadcast.services import approve_month

        approve_month(st, month, "Nguyễn Văn A", confirm_example=True)
    return path


def serve_console(threads: int = 4):
    """The configured console served by waitress on a free loopback port, in a daemon thread.

    Returns (base URL, server); `server.close()` stops it.
    """
    import threading

    from conftest import free_port
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    srv = create_server(get_wsgi_application(), host="127.0.0.1", port=free_port(), threads=threads)

    def run() -> None:
        try:
            srv.run()
        except OSError:  # the socket closed under the loop when the caller stopped the server
            pass

    threading.Thread(target=run, daemon=True).start()
    return f"http://127.0.0.1:{srv.effective_port}", srv
