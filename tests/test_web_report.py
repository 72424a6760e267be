"""*Báo cáo*: every role sees the period's figures from the records and downloads the files;
a malformed period is a 404, nobody anonymous gets in, each download is in the audit log."""

from __future__ import annotations

import io
import zipfile

import pytest
from webtests import ROLES, django_ready, web  # noqa: F401


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_report_page(web, role):
    page = web.client(role).get("/bao-cao/?ky=2027-H1")
    assert page.status_code == 200
    text = page.content.decode()
    assert "6 tháng đầu năm 2027" in text and "Tải báo cáo (Word, để ký)" in text


def test_anonymous_is_sent_to_login_and_a_bad_period_is_404(web):
    assert web.client().get("/bao-cao/").status_code == 302
    client = web.client("editor")
    assert client.get("/bao-cao/?ky=2027-H3").status_code == 404
    assert client.get("/bao-cao/2027-13.docx").status_code == 404
    assert client.get("/bao-cao/2027.pdf").status_code == 404


def test_the_word_file_downloads_and_is_logged(web):
    response = web.client("approver").get("/bao-cao/2027-H1.docx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-cchc-2027-H1.docx"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as docx:
        body = docx.read("word/document.xml").decode("utf-8")
    assert "BÁO CÁO" in body and "Nơi nhận" in body
    assert web.audit.filter(action="download", detail__contains="2027-H1").count() == 1
