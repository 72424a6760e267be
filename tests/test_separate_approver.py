"""approval.separate_approver (issue 14): the person who saved the script last may not approve it.

The console records who saved each script body (store.record_script_editor); the approve path
shared by the CLI and the web console refuses the last editor when the setting is on.
"""

from __future__ import annotations

import pytest
from conftest import make_station, run_cli_captured, write_script
from webtests import django_ready, web  # noqa: F401

from broadcast.config import load_station
from broadcast.errors import ScriptError
from broadcast.services import approve_month, load_script_text, save_script_text

MONTH = "2027-02"


def _station(tmp_path, on: bool):
    return load_station(make_station(tmp_path, approval={"separate_approver": on}))


def _edit(st, by: str | None, words: str = "Bà con lưu ý.") -> None:
    loaded = load_script_text(st, MONTH)
    save_script_text(st, MONTH, loaded.text + f"\n{words}\n", base_sha256=loaded.sha256, by=by)


_run = run_cli_captured


def test_default_is_off_and_documented():
    from broadcast.config import _defaults

    assert _defaults()["approval"] == {"separate_approver": False}


def test_on_the_last_editor_is_refused_by_name(tmp_path):
    st = _station(tmp_path, True)
    write_script(st, MONTH, approved=False)
    _edit(st, "Trần Thị Chi")
    with pytest.raises(ScriptError) as err:
        approve_month(st, MONTH, "trần thị  chi", confirm_example=True)
    assert "Trần Thị Chi là người sửa kịch bản sau cùng" in err.value.message
    assert not load_script_text(st, MONTH).script.approved
    script = approve_month(st, MONTH, "Lê Văn Dũng", confirm_example=True)
    assert script.approved and script.meta["approved_by"] == "Lê Văn Dũng"


def test_off_the_last_editor_may_approve(tmp_path):
    st = _station(tmp_path, False)
    write_script(st, MONTH, approved=False)
    _edit(st, "Trần Thị Chi")
    assert approve_month(st, MONTH, "Trần Thị Chi", confirm_example=True).approved


def test_a_later_edit_by_someone_else_or_by_hand_changes_the_last_editor(tmp_path):
    st = _station(tmp_path, True)
    write_script(st, MONTH, approved=False)
    _edit(st, "Trần Thị Chi")
    _edit(st, "Lê Văn Dũng", "Thêm một câu.")
    assert approve_month(st, MONTH, "Trần Thị Chi", confirm_example=True).approved
    # a hand edit after the console's save: the editor is unknown, so nobody is refused
    _edit(st, "Trần Thị Chi", "Câu thứ ba.")
    path = st.store.script_path(MONTH)
    path.write_text(path.read_text(encoding="utf-8") + "\nSửa tay.\n", encoding="utf-8")
    assert approve_month(st, MONTH, "Trần Thị Chi", confirm_example=True).approved


def test_saving_the_same_body_again_keeps_its_author(tmp_path):
    st = _station(tmp_path, True)
    write_script(st, MONTH, approved=False)
    _edit(st, "Trần Thị Chi")
    loaded = load_script_text(st, MONTH)
    save_script_text(st, MONTH, loaded.text, base_sha256=loaded.sha256, by="Lê Văn Dũng")
    with pytest.raises(ScriptError, match="Trần Thị Chi"):
        approve_month(st, MONTH, "Trần Thị Chi", confirm_example=True)


@pytest.mark.parametrize("on, code", [(True, 1), (False, 0)])
def test_cli_approve_follows_the_setting(tmp_path, capsys, on, code):
    st = _station(tmp_path, on)
    write_script(st, MONTH, approved=False)
    _edit(st, "Trần Thị Chi")
    got, out, err = _run(
        capsys,
        "approve",
        "--station",
        str(st.dir),
        "--month",
        MONTH,
        "--by",
        "Trần Thị Chi",
        "--confirm-example-figures",
    )
    assert got == code, (out, err)
    if on:
        assert "Trần Thị Chi là người sửa kịch bản sau cùng" in err and "Traceback" not in err
        assert not load_script_text(st, MONTH).script.approved
    else:
        assert "Đã duyệt kịch bản" in out


@pytest.mark.parametrize("on", [True, False])
def test_web_approve_follows_the_setting(web, on):
    from django.contrib.auth.models import User

    path = web.dir / "station.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("separate_approver: false", f"separate_approver: {str(on).lower()}"), encoding="utf-8"
    )
    st = web.station
    assert st.separate_approver is on
    write_script(st, MONTH, approved=False)
    client = web.client("editor", "approver", name="chi")
    User.objects.filter(username="chi").update(first_name="Trần Thị", last_name="Chi")
    loaded = load_script_text(st, MONTH)
    response = client.post(
        f"/thang/{MONTH}/luu/", {"text": loaded.text + "\nMột câu mới.\n", "base_sha256": loaded.sha256}
    )
    assert response.status_code == 302
    body = load_script_text(st, MONTH).script.body_sha256
    response = client.post(f"/thang/{MONTH}/duyet/", {"body_sha256": body, "confirm_example": "on"})
    if on:
        assert response.status_code == 400
        assert "Trần Thị Chi là người sửa kịch bản sau cùng" in response.content.decode()
        assert not load_script_text(st, MONTH).script.approved
        other = web.client("approver", name="dung")
        response = other.post(f"/thang/{MONTH}/duyet/", {"body_sha256": body, "confirm_example": "on"})
    assert response.status_code == 302
    assert load_script_text(st, MONTH).script.approved


def test_the_setting_is_edited_on_the_settings_page(web):
    import shutil
    from pathlib import Path

    shutil.copy(Path(__file__).resolve().parents[1] / "station.yaml", web.dir / "station.yaml")
    from test_web_settings import URL, form_of

    client = web.client("admin")
    data = form_of(client)
    assert "separate_approver" not in data
    data["separate_approver"] = ["on"]
    assert client.post(URL, data).status_code == 302
    assert web.station.separate_approver
    assert "separate_approver: true" in (web.dir / "station.yaml").read_text(encoding="utf-8")
