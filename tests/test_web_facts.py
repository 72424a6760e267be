"""The *Số liệu* page: the month's facts file as a form. Editors save (validated, atomic,
comments kept, conflict-safe, audited); other roles read; example figures stay refused at
approval until someone confirms them."""

from __future__ import annotations

import pytest
from conftest import write_script
from webtests import ROLES, django_ready, web  # noqa: F401

from broadcast.services import load_script_text, text_sha256
from broadcast.topics import FACT_FIELDS

MONTH = "2027-01"  # the example station's facts/2027-01.yaml: example: true, with comments
NEW = "2027-02"  # no facts file yet; the previous month has one
URL = f"/thang/{MONTH}/so-lieu/"


def _path(web, month=MONTH):
    return web.station.store.facts_path(month)


def _form(web, month=MONTH, **changes):
    """What the editor's browser posts: the form as loaded, with `changes`."""
    client = _editor(web)
    response = client.get(f"/thang/{month}/so-lieu/")
    assert response.status_code == 200
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.pop("confirm_real", None)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def _editor(web):
    """One editor's client per test (the user is created once)."""
    if not hasattr(web, "_editor"):
        web._editor = web.client("editor")
    return web._editor


def _save(client, data, month=MONTH):
    return client.post(f"/thang/{month}/so-lieu/luu/", data)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_figures_and_only_editors_get_a_form(web, role):
    page = web.client(role).get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Số hồ sơ đã tiếp nhận" in text and "1310" in text and "ví dụ" in text
    if role == "editor":
        assert 'name="received"' in text and "Lưu số liệu" in text
    else:
        assert 'name="received"' not in text and "Chỉ cán bộ biên tập sửa được" in text


@pytest.mark.parametrize("role", ["approver", "operator", "admin"])
def test_saving_is_refused_to_other_roles_and_the_file_is_unchanged(web, role):
    before = _path(web).read_bytes()
    data = _form(web, received="2000")
    response = _save(web.client(role), data)
    assert response.status_code == 403
    assert _path(web).read_bytes() == before
    assert not web.audit.filter(action="facts").exists()


def test_the_month_page_links_to_the_facts_page(web):
    assert URL in web.client("operator").get(f"/thang/{MONTH}/").content.decode()


def test_editor_saves_and_the_file_keeps_its_comments_and_order(web):
    before = _path(web).read_text(encoding="utf-8")
    data = _form(
        web, resolved="1.290", overdue="13", digitized_rate="55,5", news='Tin một.\n\nTin hai: "Một cửa" số.'
    )
    response = _save(_editor(web), data)
    assert response.status_code == 302 and response["Location"].endswith("?da-luu=1")
    text = _path(web).read_text(encoding="utf-8")
    assert "resolved: 1290\n" in text and "digitized_rate: 55.5\n" in text
    assert "overdue: 13               # 99,1% đúng hạn" in text  # the inline comment stays
    for line in before.splitlines():
        if line.startswith("#"):
            assert line in text
    keys = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    assert keys == [
        "example", "period", "source", "received", "resolved", "on_time_rate", "overdue",
        "online_share", "digitized_rate", "satisfaction", "news",
    ]  # fmt: skip
    assert '  - "Tin một."\n  - "Tin hai: \\"Một cửa\\" số."\n' in text
    from broadcast.services import month_facts

    assert month_facts(web.station, MONTH).news == ["Tin một.", 'Tin hai: "Một cửa" số.']
    assert "example: true" in text  # not confirmed: still example figures
    row = web.audit.get(action="facts")
    assert (row.username, row.month, row.sha_before, row.sha_after) == (
        "editor",
        MONTH,
        text_sha256(before),
        text_sha256(text),
    )
    page = _editor(web).get(response["Location"]).content.decode()
    assert "Đã lưu số liệu" in page and 'value="1290"' in page


def test_an_emptied_field_is_left_blank_not_invented(web):
    data = _form(web, satisfaction="")
    assert _save(_editor(web), data).status_code == 302
    text = _path(web).read_text(encoding="utf-8")
    assert "satisfaction:\n" in text
    from broadcast.services import month_facts

    assert month_facts(web.station, MONTH).figures["satisfaction"] is None


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("on_time_rate", "120", "phải từ 0 đến 100"),
        ("satisfaction", "-3", "phải từ 0 đến 100"),
        ("received", "-5", "không được âm"),
        ("received", "12,5", "số nguyên"),
        ("resolved", "một nghìn", "số nguyên"),
        ("online_share", "nhiều", "con số"),
        ("digitized_rate", "55,125", "hai chữ số sau dấu phẩy"),
        ("overdue", "0", "mâu thuẫn"),  # 99,1% on time yet nothing overdue: the reader's own rule
        ("online_received", "5000", "mâu thuẫn"),  # more online than received
    ],
)
def test_bad_input_is_shown_beside_the_field_in_vietnamese_and_nothing_is_saved(web, field, value, message):
    before = _path(web).read_bytes()
    response = _save(_editor(web), _form(web, **{field: value}))
    assert response.status_code == 400
    form = response.context["form"]
    wrong = "on_time_rate" if field == "overdue" else field
    assert any(message in e for e in form.errors[wrong]), form.errors
    page = response.content.decode()
    assert "has-error" in page and "Chưa lưu" in page and message in page
    assert _path(web).read_bytes() == before
    assert not web.audit.filter(action="facts").exists()


def test_a_second_save_of_the_same_version_is_refused_and_shows_what_changed(web):
    anh, binh = web.client("editor", name="anh"), web.client("editor", name="binh")
    data = _form(web)
    assert _save(anh, {**data, "received": "1400"}).status_code == 302
    response = _save(binh, {**data, "received": "1500"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Chưa lưu" in page and "1400" in page and "1500" in page
    text = _path(web).read_text(encoding="utf-8")
    assert "received: 1400" in text and "1500" not in text
    assert web.audit.filter(action="conflict", username="binh").count() == 1
    # having seen the difference, Binh saves again on purpose: now it is written
    again = response.context["form"].data.copy()
    assert _save(binh, again).status_code == 302
    assert "received: 1500" in _path(web).read_text(encoding="utf-8")


def test_a_hand_edit_is_seen_at_the_next_load(web):
    path = _path(web)
    path.write_text(path.read_text(encoding="utf-8").replace("received: 1310", "received: 1333"), "utf-8")
    page = web.client("approver").get(URL).content.decode()
    assert "1333" in page and "1310" not in page
    form = _editor(web).get(URL).context["form"]
    assert form["received"].value() == "1333"


def test_a_broken_hand_edit_is_shown_beside_the_field(web):
    path = _path(web)
    path.write_text(
        path.read_text(encoding="utf-8").replace("on_time_rate: 99.1", "on_time_rate: 140"), "utf-8"
    )
    response = _editor(web).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tệp số liệu có lỗi" in page and "facts/2027-01.yaml, dòng 9" in page
    assert any("0 đến 100" in e for e in response.context["form"].errors["on_time_rate"])


def test_a_month_without_facts_offers_the_previous_month_or_a_blank_start(web):
    client = _editor(web)
    page = client.get(f"/thang/{NEW}/so-lieu/").content.decode()
    assert "chưa có số liệu" in page and "Chép số liệu tháng 2027-01" in page and "mẫu trống" in page
    assert not _path(web, NEW).exists()
    form = client.get(f"/thang/{NEW}/so-lieu/?bat-dau=truoc").context["form"]
    assert form["received"].value() == "1310" and form["period"].value() == ""
    data = _form_from(form)
    assert _save(client, data, NEW).status_code == 302
    text = _path(web, NEW).read_text(encoding="utf-8")
    # last month's figures are placeholders: marked as example figures until confirmed
    assert text.startswith("# Số liệu cải cách hành chính") and "example: true" in text
    assert "received: 1310" in text and "period" not in text and "news" not in text
    blank = client.get("/thang/2027-05/so-lieu/?bat-dau=trong").context["form"]
    assert all(blank[k].value() == "" for k in FACT_FIELDS)
    data = {**_form_from(blank), "received": "20"}
    assert _save(client, data, "2027-05").status_code == 302
    text = _path(web, "2027-05").read_text(encoding="utf-8")
    assert "received: 20\n" in text and "example" not in text


def _form_from(form):
    data = {name: form[name].value() for name in form.fields if name != "confirm_real"}
    return {k: ("" if v is None else v) for k, v in data.items() if v is not False}


def test_other_roles_see_that_a_month_has_no_facts(web):
    response = web.client("approver").get(f"/thang/{NEW}/so-lieu/?bat-dau=truoc")
    assert response.status_code == 200 and "form" not in response.context
    assert "chưa có số liệu" in response.content.decode()
    assert not _path(web, NEW).exists()


def _approve(web, **extra):
    body = load_script_text(web.station, MONTH).script.body_sha256
    if not hasattr(web, "_approver"):
        web._approver = web.client("approver", name="lanhdao")
    return web._approver.post(f"/thang/{MONTH}/duyet/", {"body_sha256": body, **extra})


def test_example_figures_are_refused_at_approval_until_the_editor_confirms_them(web):
    write_script(web.station, MONTH, approved=False)
    # saved without the confirmation: still example figures, approval refuses
    assert _save(_editor(web), _form(web, received="1320")).status_code == 302
    response = _approve(web)
    assert response.status_code == 400 and "SỐ LIỆU VÍ DỤ" in response.content.decode()
    assert not load_script_text(web.station, MONTH).script.approved
    # the editor ticks "these are real": the file's flag is cleared, approval goes through
    page = _editor(web).get(URL).content.decode()
    assert 'name="confirm_real"' in page and "tag-example" in page
    assert _save(_editor(web), _form(web, confirm_real="on")).status_code == 302
    assert "example: false" in _path(web).read_text(encoding="utf-8")
    assert web.audit.filter(action="facts", detail__contains="xác nhận số liệu thật").count() == 1
    assert "tag-example" not in _editor(web).get(URL).content.decode()
    response = _approve(web)
    assert response.status_code == 302, response.content.decode()[:1500]
    script = load_script_text(web.station, MONTH).script
    assert script.approved and not script.meta.get("example_figures_confirmed")


def test_a_forged_example_flag_cannot_clear_example_figures(web):
    data = _form(web)
    data.pop("example", None)  # "not example" posted without ticking the confirmation
    assert _save(_editor(web), data).status_code == 302
    assert "example: true" in _path(web).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "url",
    ["/thang/2027-13/so-lieu/", "/thang/0000-00/so-lieu/", "/thang/2027-1/so-lieu/", "/thang/..%2F/so-lieu/"],
)
def test_bad_months_in_urls_are_not_found(web, url):
    client = _editor(web)
    assert client.get(url).status_code == 404
    assert client.post(url + "luu/", {"received": "1"}).status_code == 404


def test_get_cannot_save(web):
    assert _editor(web).get(f"/thang/{MONTH}/so-lieu/luu/").status_code == 405
