"""The *Tháng* page: saving the script (conflict-safe), the check panel, "đọc là", approval,
producing a listening copy in the background; each action leaves an audit row."""

from __future__ import annotations

from conftest import write_script
from webtests import django_ready, web, write_minute_script  # noqa: F401

from broadcast.services import load_script_text, text_sha256

MONTH = "2026-03"


def _page(client):
    return client.get(f"/thang/{MONTH}/").content.decode()


def test_editor_saves_a_sentence_and_the_file_changes(web):
    write_script(web.station, MONTH, approved=False)
    loaded = load_script_text(web.station, MONTH)
    client = web.client("editor")
    new = loaded.text.replace("Kính chào bà con", "Xin chào toàn thể bà con")
    response = client.post(f"/thang/{MONTH}/luu/", {"text": new, "base_sha256": loaded.sha256})
    assert response.status_code == 302
    path = web.station.store.script_path(MONTH)
    assert "Xin chào toàn thể bà con" in path.read_text(encoding="utf-8")
    row = web.audit.get(action="edit")
    assert (row.username, row.month, row.sha_before, row.sha_after) == (
        "editor",
        MONTH,
        loaded.sha256,
        text_sha256(new),
    )


def test_second_save_of_the_same_version_is_refused_with_a_diff_and_nothing_saved(web):
    write_script(web.station, MONTH, approved=False)
    loaded = load_script_text(web.station, MONTH)
    anh, binh = web.client("editor", name="anh"), web.client("editor", name="binh")
    first = loaded.text.replace("Kính chào bà con", "Câu của Anh")
    second = loaded.text.replace("Kính chào bà con", "Câu của Bình")
    assert anh.post(f"/thang/{MONTH}/luu/", {"text": first, "base_sha256": loaded.sha256}).status_code == 302
    response = binh.post(f"/thang/{MONTH}/luu/", {"text": second, "base_sha256": loaded.sha256})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Chưa lưu" in page and "-" in page and "Câu của Anh" in page and "Câu của Bình" in page
    text = web.station.store.script_path(MONTH).read_text(encoding="utf-8")
    assert "Câu của Anh" in text and "Câu của Bình" not in text
    assert web.audit.filter(action="conflict", username="binh").count() == 1


def test_a_broken_script_is_refused_beside_the_field_and_nothing_saved(web):
    path = write_script(web.station, MONTH, approved=False)
    before = path.read_bytes()
    loaded = load_script_text(web.station, MONTH)
    broken = loaded.text.replace(f"month: {MONTH}", "month: 2026-04")
    response = web.client("editor").post(
        f"/thang/{MONTH}/luu/", {"text": broken, "base_sha256": loaded.sha256}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "has-error" in page and "không phải 2026-03" in page
    assert path.read_bytes() == before
    assert not web.audit.filter(action="edit").exists()


def test_a_save_without_the_version_hash_is_refused(web):
    path = write_script(web.station, MONTH, approved=False)
    before = path.read_bytes()
    response = web.client("editor").post(f"/thang/{MONTH}/luu/", {"text": "x", "base_sha256": "abc"})
    assert response.status_code == 400 and path.read_bytes() == before


def test_check_panel_shows_the_estimate_and_spoken_form(web):
    write_script(web.station, MONTH, approved=False)
    client = web.client("editor")
    page = client.post(f"/thang/{MONTH}/kiem-tra/").content.decode()
    assert "Ước tính" in page and "phút" in page
    page = client.post(f"/thang/{MONTH}/doc-la/", {"sentence": "ngày 15/3/2026"}).content.decode()
    assert "Đọc là" in page and "tháng ba" in page
    page = client.post(f"/thang/{MONTH}/doc-la/", {"sentence": ""}).content.decode()
    assert "error" in page


def test_approver_approves_with_their_name_and_the_diff_is_shown(web):
    write_script(web.station, MONTH, approved=False)
    client = web.client("approver", name="lanhdao")
    from django.contrib.auth.models import User

    User.objects.filter(username="lanhdao").update(first_name="Lê Văn", last_name="Dũng")
    page = _page(client)
    assert "Duyệt kịch bản" in page and "Chưa có bản nào được duyệt trước" in page
    body_sha = load_script_text(web.station, MONTH).script.body_sha256
    response = client.post(f"/thang/{MONTH}/duyet/", {"body_sha256": body_sha})
    assert response.status_code == 302, response.content.decode()[:2000]
    script = load_script_text(web.station, MONTH).script
    assert script.approved and script.meta["approved_by"] == "Lê Văn Dũng"
    row = web.audit.get(action="approve")
    assert row.username == "lanhdao" and row.sha_after == body_sha


def test_approval_of_a_version_the_approver_did_not_see_is_refused(web):
    write_script(web.station, MONTH, approved=False)
    client = web.client("approver")
    response = client.post(f"/thang/{MONTH}/duyet/", {"body_sha256": "0" * 64})
    assert response.status_code == 409
    assert "vừa được sửa" in response.content.decode()
    assert not load_script_text(web.station, MONTH).script.approved
    assert not web.audit.filter(action="approve").exists()


def test_editor_produces_a_listening_copy_in_the_background(web):
    from broadcast.web import jobs

    write_minute_script(web.station, MONTH)
    client = web.client("editor")
    response = client.post(f"/thang/{MONTH}/dung/", {"kind": "produce"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<progress" in response.content.decode()
    jobs.wait_all()
    job = next(j for j in jobs._JOBS.values() if j.month == MONTH)
    assert job.error == "" and "phút" in job.result
    page = client.get(f"/thang/{MONTH}/viec/{job.id}/").content.decode()
    assert "Xong" in page
    page = _page(client)
    assert "Bản nghe thử" in page
    audio = client.get(f"/thang/{MONTH}/nghe/draft.mp3")
    assert audio.status_code == 200 and b"".join(audio.streaming_content)[:3] in (b"ID3", b"\xff\xfb")
    assert web.audit.filter(action="produce", month=MONTH).exists()
