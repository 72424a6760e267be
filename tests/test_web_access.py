"""Every page for every role: allowed pages open (200), others are refused (403), anonymous
people are sent to the login page; months and days in URLs are checked before any file."""

from __future__ import annotations

import pytest
from conftest import write_programme
from webtests import ROLES, django_ready, web  # noqa: F401

from broadcast.services import schedule_month

MONTH = "2026-03"
DAY = "2026-03-02"  # a valid day for URL checks (may have no airing)

# (url, method, roles allowed)
PAGES = [
    ("/", "get", ROLES),
    ("/nam/2026/", "get", ROLES),
    (f"/thang/{MONTH}/", "get", ROLES),
    (f"/thang/{MONTH}/kiem-tra/", "post", ["editor", "approver"]),
    (f"/thang/{MONTH}/doc-la/", "post", ["editor", "approver"]),
    (f"/thang/{MONTH}/nghe/approved.mp3", "get", ROLES),
    (f"/thang/{MONTH}/giong-doc/", "get", ROLES),
    (f"/thang/{MONTH}/so-lieu/", "get", ROLES),
    ("/hom-nay/", "get", ROLES),
    ("/ngay/{day}/", "get", ROLES),
    ("/ngay/{day}/tai-ve.zip", "get", ["operator", "admin"]),
    ("/lich-phat/", "get", ROLES),
    (f"/lich-phat/{MONTH}/", "get", ROLES),
    (f"/lich-phat/{MONTH}.ics", "get", ROLES),
    ("/nhat-ky/", "get", ["approver", "admin"]),
    ("/tai-khoan/", "get", ["admin"]),
    ("/cai-dat/", "get", ["admin"]),
    ("/phat-song/", "get", ["operator", "admin"]),
    ("/phat-song/trang-thai/", "get", ["operator", "admin"]),
    ("/bao-cao/", "get", ROLES),
]


@pytest.fixture
def scheduled(web):
    st = web.station
    write_programme(st, MONTH)
    sched = schedule_month(st, MONTH)
    web.day = sched.airings[0].date.isoformat()
    return web


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(scheduled, role):
    client = scheduled.client(role)
    for url, method, allowed in PAGES:
        data = {"sentence": "Nghị định 30/2020/NĐ-CP"} if "doc-la" in url else {}
        url = url.format(day=scheduled.day)
        response = getattr(client, method)(url, data)
        if role in allowed:
            assert response.status_code == 200, (url, role, response.status_code)
        else:
            assert response.status_code == 403, (url, role, response.status_code)
            assert "không có quyền" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/", f"/thang/{MONTH}/", "/hom-nay/", "/nhat-ky/", "/tai-khoan/", f"/ngay/{DAY}/tai-ve.zip"]
)
def test_anonymous_people_are_sent_to_login(web, url):
    web.user("someone", "admin")
    response = web.client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


@pytest.mark.parametrize(
    "role, action, data",
    [
        ("operator", "luu", {"text": "x", "base_sha256": "0" * 64}),
        ("approver", "luu", {"text": "x", "base_sha256": "0" * 64}),
        ("editor", "duyet", {"body_sha256": "0" * 64}),
        ("operator", "duyet", {"body_sha256": "0" * 64}),
        ("approver", "dung", {"kind": "produce"}),
        ("editor", "dung", {"kind": "make"}),
        ("approver", "so-lieu/luu", {"received": "1", "base_sha256": ""}),
        ("operator", "so-lieu/luu", {"received": "1", "base_sha256": ""}),
    ],
)
def test_actions_are_refused_to_the_wrong_role_and_change_nothing(scheduled, role, action, data):
    path = scheduled.station.store.script_path(MONTH)
    before = path.read_bytes()
    response = scheduled.client(role).post(f"/thang/{MONTH}/{action}/", data)
    assert response.status_code == 403
    assert path.read_bytes() == before
    assert not scheduled.station.store.facts_path(MONTH).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/thang/2026-13/",
        "/thang/0000-00/",
        "/ngay/2026-02-30/",
        "/ngay/2026-03-02/tep/..%2Fstation.yaml",
        "/thang/2026-3/",
        "/lich-phat/9999-99/",
        "/thang/2026-13/so-lieu/",
    ],
)
def test_bad_months_and_days_in_urls_are_refused(scheduled, url):
    response = scheduled.client("admin", "operator").get(url)
    assert response.status_code == 404


def test_get_cannot_change_anything(scheduled):
    client = scheduled.client("editor", "approver", "operator")
    for action in ("luu", "duyet", "dung", "so-lieu/luu"):
        assert client.get(f"/thang/{MONTH}/{action}/").status_code == 405
