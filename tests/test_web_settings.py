"""*Cài đặt đài* (issue 14, page 7): administrators edit station.yaml from a form.

The form is read from the page itself (so a missing input would fail here), changed like a
person would, and posted back; the file is compared as text (comments and order kept).
"""

from __future__ import annotations

import hashlib
import html
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from webtests import ROLES, django_ready, web  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
URL = "/cai-dat/"


class _FormReader(HTMLParser):
    """The values a browser would post for the page's settings form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "settings" in (a.get("class") or ""):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "checkbox":
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value") or "on")
            elif kind != "submit":
                self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = [a.get("value") or ""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form":
            self._in_form = False


def form_of(client) -> dict[str, list[str]]:
    response = client.get(URL)
    assert response.status_code == 200, response.content.decode()[:500]
    reader = _FormReader()
    reader.feed(response.content.decode())
    assert reader.data, "the page has no settings form"
    return reader.data


def one(data: dict, name: str, value: str) -> dict:
    assert name in data, (name, sorted(data))
    data[name] = [value]
    return data


@pytest.fixture
def commented(web):
    """The station with the example's commented station.yaml (a silent voice is not needed)."""
    shutil.copy(REPO / "station.yaml", web.dir / "station.yaml")
    return web


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_every_other_role_is_refused_and_nothing_changes(commented, role):
    path = commented.dir / "station.yaml"
    before = path.read_bytes()
    admin_form = form_of(commented.client("admin", name="quantri"))
    client = commented.client(role)
    assert client.get(URL).status_code == 403
    response = client.post(URL, one(admin_form, "name", "Đài bị sửa trộm"))
    assert response.status_code == 403 and "không có quyền" in response.content.decode()
    assert path.read_bytes() == before
    assert not commented.audit.filter(action="settings").exists()


def test_the_menu_shows_the_page_to_administrators_only(commented):
    assert 'href="/cai-dat/"' in commented.client("admin").get("/").content.decode()
    assert (
        'href="/cai-dat/"' not in commented.client("editor", "approver", "operator").get("/").content.decode()
    )


def test_anonymous_people_are_sent_to_login(commented):
    commented.user("someone", "admin")
    response = commented.client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


# --------------------------------------------------------------------------- good edits


def test_unchanged_form_writes_nothing(commented):
    path = commented.dir / "station.yaml"
    before = path.read_bytes()
    client = commented.client("admin")
    response = client.post(URL, form_of(client))
    assert response.status_code == 302
    assert path.read_bytes() == before
    assert not commented.audit.filter(action="settings").exists()


def test_good_edit_is_saved_with_comments_and_order_kept(commented):
    path = commented.dir / "station.yaml"
    original = path.read_text(encoding="utf-8")
    client = commented.client("admin", name="quantri")
    data = form_of(client)
    one(data, "name", "Đài Truyền thanh phường Mới")
    one(data, "hotline", "0255 3 999 888")
    one(data, "slots-1-start", "17:30")
    data["slots-0-weekdays"] = ["T2", "T4", "T6"]
    one(data, "per_month", "6")
    one(data, "days_off", "24/12/2026")
    one(data, "main-1-options", "voice: vi; speed: 150")
    data["separate_approver"] = ["on"]
    response = client.post(URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    expected = (
        original.replace(
            '  name: "Đài Truyền thanh phường Trương Quang Trọng"   # tên',
            '  name: "Đài Truyền thanh phường Mới"                  # tên',
        )
        .replace('hotline: "0255 3 822 123"', 'hotline: "0255 3 999 888"')
        .replace('    start: "17:00"', '    start: "17:30"')
        .replace(
            "    weekdays: [T2, T3, T4, T5, T6, T7, CN]\n  - id: chieu",
            "    weekdays: [T2, T4, T6]\n  - id: chieu",
        )
        .replace("  per_month: 4              #", "  per_month: 6              #")
        .replace("  days_off: []              #", '  days_off: ["2026-12-24"]  #')
        .replace("      voice: vi\n  second:", "      voice: vi\n      speed: 150\n  second:")
        .replace("  separate_approver: false  #", "  separate_approver: true   #")
    )
    assert expected != original
    assert path.read_text(encoding="utf-8") == expected
    st = commented.station
    assert st.name == "Đài Truyền thanh phường Mới" and st.airing.per_month == 6 and st.separate_approver
    assert st.voice.main[1].options == {"voice": "vi", "speed": 150}
    page = client.get(URL + "?da-luu=1").content.decode()
    assert "Đã lưu cài đặt" in page and "0255 3 999 888" in page


def test_slots_and_engines_are_added_and_removed_by_rows(commented):
    path = commented.dir / "station.yaml"
    client = commented.client("admin")
    data = form_of(client)
    # the empty last row adds a slot; "Xóa" removes the afternoon one
    one(data, "slots-2-id", "trua")
    one(data, "slots-2-name", "Buổi trưa")
    one(data, "slots-2-start", "11:00")
    one(data, "slots-2-length_min", "20")
    data["slots-1-DELETE"] = ["on"]
    data["second-0-DELETE"] = ["on"]
    one(data, "main-2-engine", "silent")
    one(data, "main-2-options", "syllable_s: 0.3")
    response = client.post(URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    st = commented.station
    assert [s.id for s in st.slots] == ["sang", "trua"]
    assert st.airing.slots == ["sang", "trua"]
    assert [e.engine for e in st.voice.main] == ["gtts", "espeak-ng", "silent"]
    assert st.voice.second == []
    text = path.read_text(encoding="utf-8")
    assert "# Google (cần mạng)" in text and "# các buổi phát trong ngày" in text
    row = commented.audit.get(action="settings")
    assert "slots" in row.detail and "voice.main" in row.detail and "voice.second" in row.detail


def test_settings_row_in_the_audit_log_has_both_hashes_and_the_keys(commented):
    path = commented.dir / "station.yaml"
    before = sha(path)
    client = commented.client("admin", name="quantri")
    client.post(URL, one(form_of(client), "reminder_min", "30"))
    row = commented.audit.get(action="settings")
    assert row.username == "quantri"
    assert row.sha_before == before and row.sha_after == sha(path) and before != row.sha_after
    assert row.detail == "đổi: airing.reminder_min"
    assert "cài đặt" in client.get("/nhat-ky/").content.decode()


# --------------------------------------------------------------------------- bad input


BAD = [
    # (input, value, where the error is shown: (formset or None, row, field), words of the error)
    ("name", "", (None, None, "name"), "bắt buộc"),
    ("slots-0-start", "25:00", ("slots", 0, "start"), "giờ không hợp lệ"),
    ("slots-1-length_min", "0", ("slots", 1, "length_min"), "ngoài khoảng"),
    ("slots-1-id", "sang", ("slots", 1, "id"), "bị trùng"),
    ("slots-0-id", "Buổi Sáng", ("slots", 0, "id"), "viết thường"),
    ("per_month", "0", (None, None, "per_month"), "ngoài khoảng"),
    ("from_day", "31", (None, None, "from_day"), "ngoài khoảng"),
    ("days_off", "31/02/2026", (None, None, "days_off"), "ngày không hợp lệ"),
    ("timeout_s", "0.1", (None, None, "timeout_s"), "ngoài khoảng"),
    ("main-1-options", "binary: /bin/sh", ("main", 1, "options"), "không được chạy chương trình"),
    ("main-1-options", "speed: 5000", ("main", 1, "options"), "ngoài khoảng"),
    ("main-0-options", "lang: vi; foo: 1", ("main", 0, "options"), "không có tùy chọn 'foo'"),
    ("main-0-options", "lang", ("main", 0, "options"), "không hiểu tùy chọn"),
    ("name", "Đài\nmới: x", (None, None, "name"), "một dòng"),
]


@pytest.mark.parametrize("name, value, where, words", BAD, ids=[f"{b[0]}={b[1]!r}" for b in BAD])
def test_each_bad_input_is_shown_beside_its_field_and_nothing_is_saved(commented, name, value, where, words):
    path = commented.dir / "station.yaml"
    before = path.read_bytes()
    client = commented.client("admin")
    response = client.post(URL, one(form_of(client), name, value))
    assert response.status_code == 400
    formset, row, field = where
    form = (
        response.context["form"]
        if formset is None
        else response.context["slots" if formset == "slots" else "chains"]
    )
    if formset == "slots":
        form = form.forms[row]
    elif formset:
        form = form[formset].forms[row]
    errors = " ".join(form.errors.get(field, [])).lower()
    assert words in errors, (form.errors, words)
    page = html.unescape(response.content.decode())
    assert "Chưa lưu" in page and words in page.lower()
    assert path.read_bytes() == before
    assert not commented.audit.filter(action="settings").exists()


def test_a_voice_file_outside_the_station_is_refused(commented):
    path = commented.dir / "station.yaml"
    before = path.read_bytes()
    client = commented.client("admin")
    data = form_of(client)
    one(data, "main-2-engine", "piper")
    one(data, "main-2-options", "model: ../../etc/passwd")
    response = client.post(URL, data)
    assert response.status_code == 400
    errors = response.context["chains"]["main"].forms[2].errors["options"]
    assert "ngoài thư mục của đài" in errors[0]
    assert path.read_bytes() == before


def test_an_engine_not_in_the_registry_cannot_be_chosen(commented):
    path = commented.dir / "station.yaml"
    before = path.read_bytes()
    client = commented.client("admin")
    response = client.post(URL, one(form_of(client), "main-0-engine", "/bin/sh"))
    assert response.status_code == 400
    assert response.context["chains"]["main"].forms[0].errors["engine"]
    assert path.read_bytes() == before


# --------------------------------------------------------------------------- conflicts and broken files


def test_a_hand_edit_meanwhile_is_shown_not_overwritten(commented):
    path = commented.dir / "station.yaml"
    client = commented.client("admin")
    data = one(form_of(client), "hotline", "0255 1 111 111")
    hand = path.read_text(encoding="utf-8").replace("per_month: 4 ", "per_month: 5 ")
    path.write_text(hand, encoding="utf-8")
    response = client.post(URL, data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "vừa được sửa" in page and "Tải lại cài đặt mới nhất" in page
    assert path.read_text(encoding="utf-8") == hand
    row = commented.audit.get(action="conflict")
    assert row.sha_after == sha(path)
    assert not commented.audit.filter(action="settings").exists()


def test_a_broken_station_file_is_explained_on_the_page(commented):
    path = commented.dir / "station.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("per_month: 4", "per_month: bốn"), encoding="utf-8"
    )
    page = commented.client("admin").get(URL).content.decode()
    assert "Tệp cấu hình đang có lỗi" in page and "per_month" in page
    assert '<form method="post" class="settings"' not in page


def test_text_that_looks_like_yaml_is_saved_as_text(commented):
    client = commented.client("admin")
    data = form_of(client)
    one(data, "name", 'Đài "Mới" # không phải ghi chú: yes')
    one(data, "hotline", "yes")
    one(data, "email", "on")
    assert client.post(URL, data).status_code == 302
    st = commented.station
    assert st.name == 'Đài "Mới" # không phải ghi chú: yes'
    assert st.contacts["hotline"] == "yes" and st.contacts["email"] == "on"


def test_removing_every_slot_is_refused_above_the_table(commented):
    path = commented.dir / "station.yaml"
    before = path.read_bytes()
    client = commented.client("admin")
    data = form_of(client)
    data["slots-0-DELETE"] = ["on"]
    data["slots-1-DELETE"] = ["on"]
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "cần ít nhất một buổi phát" in response.context["section_errors"]["slots"][0].lower()
    assert path.read_bytes() == before
