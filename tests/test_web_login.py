"""Login, the first-run page, throttling, user accounts and `broadcast web adduser`."""

from __future__ import annotations

import os
import stat

from conftest import make_station, run_cli
from webtests import PASSWORD, django_ready, web  # noqa: F401


def test_first_run_creates_the_first_administrator_then_closes(web):
    from django.test import Client

    client = Client()
    assert client.get("/dang-nhap/")["Location"] == "/bat-dau/"
    bad = client.post(
        "/bat-dau/",
        {
            "username": "chi",
            "full_name": "Trần Thị Chi",
            "password": "123",
            "password2": "123",
            "roles": ["admin"],
        },
    )
    assert bad.status_code == 200 and "quá ngắn" in bad.content.decode()
    from django.contrib.auth.models import User

    assert not User.objects.exists()
    good = client.post(
        "/bat-dau/",
        {
            "username": "chi",
            "full_name": "Trần Thị Chi",
            "password": PASSWORD,
            "password2": PASSWORD,
            "roles": ["admin", "editor"],
        },
    )
    assert good.status_code == 302
    assert client.get("/tai-khoan/").status_code == 200
    assert Client().get("/bat-dau/")["Location"] == "/dang-nhap/"
    assert web.audit.filter(action="setup", username="chi").exists()


def test_login_logout_are_logged_and_wrong_passwords_are_throttled(web):
    from django.test import Client

    web.user("binh", "editor")
    client = Client()
    for _ in range(5):
        page = client.post("/dang-nhap/", {"username": "binh", "password": "sai-mat-khau"}).content.decode()
        assert "Sai tên đăng nhập hoặc mật khẩu" in page
    page = client.post("/dang-nhap/", {"username": "binh", "password": PASSWORD}).content.decode()
    assert "quá nhiều lần" in page  # even the right password waits once throttled
    assert client.get("/").status_code == 302
    assert web.audit.filter(action="login_failed", username="binh").count() == 5
    assert not web.audit.filter(action="login").exists()


def test_login_with_the_right_password(web):
    from django.test import Client

    web.user("binh", "editor")
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post("/dang-nhap/", {"username": "binh", "password": PASSWORD}).status_code == 403
    )  # no CSRF
    client = Client()
    response = client.post("/dang-nhap/?next=/hom-nay/", {"username": "binh", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/hom-nay/"
    response = client.post("/dang-nhap/?next=//evil.example/", {"username": "binh", "password": PASSWORD})
    assert response["Location"] == "/"
    assert client.post("/dang-xuat/").status_code == 302
    assert client.get("/").status_code == 302
    assert list(web.audit.values_list("action", flat=True).order_by("id")) == ["login", "login", "logout"]


def test_administrator_adds_a_person_errors_beside_the_field(web):
    client = web.client("admin", name="quantri")
    bad = client.post(
        "/tai-khoan/",
        {"username": "có dấu cách", "full_name": "", "password": PASSWORD, "password2": "khac", "roles": []},
    )
    page = bad.content.decode()
    assert bad.status_code == 400
    assert "không dấu cách" in page and "không giống nhau" in page and "Chọn ít nhất một vai trò" in page
    from django.contrib.auth.models import User

    assert User.objects.count() == 1
    good = client.post(
        "/tai-khoan/",
        {
            "username": "duyet1",
            "full_name": "Lê Văn Dũng",
            "password": PASSWORD,
            "password2": PASSWORD,
            "roles": ["approver"],
        },
    )
    assert good.status_code == 302
    assert "lãnh đạo duyệt" in client.get("/tai-khoan/").content.decode()
    assert web.audit.filter(action="user", username="quantri").exists()


def test_pages_carry_security_headers_and_sessions_expire(web):
    from django.conf import settings

    response = web.client("editor").get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not settings.DEBUG and settings.SESSION_COOKIE_AGE <= 8 * 3600


def test_cli_adduser_and_secret_key_mode(web, tmp_path):
    # the process is configured for the test database; adduser writes to it and keeps roles
    code = run_cli(
        [
            "web",
            "--station",
            str(web.dir),
            "adduser",
            "an",
            "--role",
            "editor",
            "--role",
            "duyet",
            "--full-name",
            "Phạm Văn An",
            "--password",
            PASSWORD,
        ]
    )
    assert code == 0
    from django.contrib.auth.models import User

    from broadcast.web.roles import user_roles

    assert user_roles(User.objects.get(username="an")) == {"editor", "approver"}
    assert (
        run_cli(["web", "--station", str(web.dir), "adduser", "x", "--role", "boss", "--password", PASSWORD])
        == 1
    )
    from broadcast.store import StationStore
    from broadcast.web.conf import secret_key

    store = StationStore(make_station(tmp_path / "other") if (tmp_path / "other").mkdir() is None else None)
    key = secret_key(store)
    assert len(key) > 40 and secret_key(store) == key
    assert stat.S_IMODE(os.stat(store.web_secret_key_path).st_mode) == 0o600
