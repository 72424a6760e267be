"""The Giọng người đọc page: who may record/upload/delete, uploads through the Django client,
errors in Vietnamese beside the segment, audit rows."""

from __future__ import annotations

import pytest
from test_readings import tone
from webtests import ROLES, django_ready, web, write_minute_script  # noqa: F401

from broadcast.readings import script_readings
from broadcast.script import read_script

MONTH = "2027-01"


@pytest.fixture
def month(web):
    write_minute_script(web.station, MONTH)
    return web


def _sha(web, position: int) -> str:
    script = read_script(web.station.store.script_path(MONTH))
    return script_readings(web.station.store, script)[position - 1].sha256


def _upload(client, path, sha, position=1, source="upload"):
    with open(path, "rb") as fh:
        return client.post(
            f"/thang/{MONTH}/giong-doc/{position}/luu/",
            {"audio": fh, "segment_sha256": sha, "source": source},
        )


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_the_page_only_editors_get_the_recorder(month, role):
    client = month.client(role)
    response = client.get(f"/thang/{MONTH}/giong-doc/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đoạn 1. Mở đầu" in html and "Kính chào bà con" in html
    assert ("Lưu bản ghi" in html) == (role == "editor")
    assert client.get(f"/thang/{MONTH}/giong-doc/1/").status_code == 200


def test_month_page_links_to_the_readings_page(month):
    html = month.client("operator").get(f"/thang/{MONTH}/").content.decode()
    assert f"/thang/{MONTH}/giong-doc/" in html


@pytest.mark.parametrize("role", ["approver", "operator", "admin"])
def test_others_cannot_upload_or_delete(month, role, tmp_path):
    client = month.client(role)
    response = _upload(client, tone(tmp_path / "a.wav", 3.0), _sha(month, 1))
    assert response.status_code == 403
    assert client.post(f"/thang/{MONTH}/giong-doc/1/xoa/").status_code == 403
    assert not month.station.store.readings_month_dir(MONTH).exists()


def test_editor_uploads_listens_and_deletes(month, tmp_path):
    client = month.client("editor", name="bientap")
    response = _upload(client, tone(tmp_path / "phong-van.mp3", 3.0), _sha(month, 1))
    assert response.status_code == 302
    html = client.get(f"/thang/{MONTH}/giong-doc/").content.decode()
    assert "đang dùng" in html and "phong-van.mp3" in html
    audio = client.get(f"/thang/{MONTH}/giong-doc/1.wav")
    assert audio.status_code == 200 and b"".join(audio.streaming_content)[:4] == b"RIFF"
    row = month.audit.get(action="reading")
    assert row.username == "bientap" and "đoạn 1" in row.detail and row.sha_after
    assert month.client("operator").get(f"/thang/{MONTH}/giong-doc/1.wav").status_code == 200

    assert client.post(f"/thang/{MONTH}/giong-doc/1/xoa/").status_code == 302
    assert client.get(f"/thang/{MONTH}/giong-doc/1.wav").status_code == 404
    assert month.audit.filter(action="reading").count() == 2


def test_bad_uploads_show_a_vietnamese_error_beside_the_segment(month, tmp_path):
    client = month.client("editor")
    fake = tmp_path / "bai.mp3"
    fake.write_text("không phải âm thanh " * 50, encoding="utf-8")
    response = _upload(client, fake, _sha(month, 1))
    assert response.status_code == 400
    assert "không phải tệp âm thanh" in response.content.decode()
    response = _upload(client, tone(tmp_path / "a.wav", 3.0), "0" * 64)
    assert response.status_code == 400 and "vừa được sửa" in response.content.decode()
    response = client.post(
        f"/thang/{MONTH}/giong-doc/1/luu/", {"segment_sha256": _sha(month, 1), "source": "upload"}
    )
    assert response.status_code == 400 and "Chưa có bản ghi" in response.content.decode()
    assert not month.audit.filter(action="reading").exists()


def test_oversized_upload_is_refused_before_reading_it(month, tmp_path, monkeypatch):
    from broadcast.services import readings as svc

    monkeypatch.setattr(svc, "MAX_BYTES", 1000)
    response = _upload(month.client("editor"), tone(tmp_path / "a.wav", 3.0), _sha(month, 1))
    assert response.status_code == 400 and "quá lớn" in response.content.decode()


def test_outdated_reading_is_shown_as_outdated(month, tmp_path):
    client = month.client("editor")
    assert _upload(client, tone(tmp_path / "a.wav", 3.0), _sha(month, 1)).status_code == 302
    path = month.station.store.script_path(MONTH)
    path.write_text(
        path.read_text(encoding="utf-8").replace("Kính chào bà con", "Xin chào bà con"), encoding="utf-8"
    )
    html = client.get(f"/thang/{MONTH}/giong-doc/").content.decode()
    assert "đã cũ (kịch bản đã sửa)" in html
    assert "bản ghi giọng người đọc đã cũ" in client.get(f"/thang/{MONTH}/").content.decode()
