"""*Mạng đài*: with `broadcast web --network`, the console shows every member's programme of a
month, an administrator runs the month for the whole network in the background (a broken member
fails alone, shown loudly), bundles download, and nobody else may start a run."""

from __future__ import annotations

import pytest
from network_helpers import BROKEN_SLUG, MONTH, make_network
from webtests import ROLES, django_ready, web  # noqa: F401

from broadcast.network.jobs import write_result
from broadcast.network.models import JobResult


@pytest.fixture
def network(web, tmp_path):
    from django.test import override_settings

    root = make_network(tmp_path / "net", 2, delivery="zip")
    with override_settings(BROADCAST_NETWORK_DIR=str(root)):
        yield root


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_members_but_only_an_administrator_may_run(network, web, role):
    client = web.client(role)
    page = client.get(f"/mang-dai/?thang={MONTH}")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Mạng thử" in text and "Đài Truyền thanh xã Thử Nghiệm 2" in text and BROKEN_SLUG in text
    assert "chưa làm cho đài nào" in text
    assert ("Làm chương trình tháng" in text) == (role == "admin")
    assert 'href="/mang-dai/"' in text  # in the menu
    if role != "admin":
        assert client.post(f"/mang-dai/{MONTH}/lam/").status_code == 403
        assert not (network / ".broadcast" / "network" / MONTH).exists()


def test_an_administrator_runs_the_network_and_a_broken_member_fails_alone(network, web):
    from broadcast.web import jobs

    client = web.client("admin")
    response = client.post(f"/mang-dai/{MONTH}/lam/")
    assert response.status_code == 302 and response["Location"] == f"/mang-dai/?thang={MONTH}"
    jobs.wait_all(timeout=600)
    text = client.get(f"/mang-dai/?thang={MONTH}").content.decode()
    assert "Xong 3/3 đài (lỗi 1" in text
    assert "Đài lỗi:" in text and "station.yaml" in text  # the broken member's Vietnamese error
    assert text.count("Tải ZIP") == 2
    assert 'hx-trigger="every 2s"' not in text  # finished: the table stops polling
    bundle = client.get(f"/mang-dai/{MONTH}/xa-thu-01.zip")
    assert bundle.status_code == 200 and b"".join(bundle.streaming_content)[:2] == b"PK"
    assert web.audit.filter(action="network", month=MONTH).count() == 1
    assert web.audit.filter(action="download", detail__contains="xa-thu-01").count() == 1


def test_a_run_started_elsewhere_is_followed_live(network, web):
    write_result(network, JobResult(station="xa-thu-01", month=MONTH, status="running", attempts=1))
    text = web.client("operator").get(f"/mang-dai/{MONTH}/bang/").content.decode()
    assert "đang làm 1" in text and 'hx-trigger="every 2s"' in text


def test_bundles_of_strangers_and_bad_months_are_404(network, web):
    client = web.client("operator")
    assert client.get(f"/mang-dai/{MONTH}/xa-thu-01.zip").status_code == 404  # not made yet
    assert client.get(f"/mang-dai/{MONTH}/khong-co.zip").status_code == 404
    assert client.get("/mang-dai/2027-13/bang/").status_code == 404
    assert client.get("/mang-dai/?thang=2027-13").status_code == 404
    assert client.get("/mang-dai/%2e%2e/bang/").status_code == 404


def test_without_a_network_the_page_is_absent(web):
    client = web.client("admin")
    assert client.get("/mang-dai/").status_code == 404
    assert "Mạng đài" not in client.get("/").content.decode()


def test_a_broken_network_yaml_is_shown_not_a_traceback(network, web):
    (network / "network.yaml").write_text("network:\n  name: [x\n", encoding="utf-8")
    page = web.client("admin").get(f"/mang-dai/?thang={MONTH}")
    assert page.status_code == 200
    assert "network.yaml" in page.content.decode() and "dòng" in page.content.decode()


def test_web_refuses_to_start_on_a_broken_network_yaml(tmp_path, capsys):
    from conftest import make_station, run_cli

    (tmp_path / "station").mkdir()
    station = make_station(tmp_path / "station")
    root = make_network(tmp_path / "net", 1, broken=False)
    (root / "network.yaml").write_text("network:\n  name: [x\n", encoding="utf-8")
    code = run_cli(["web", "--station", str(station), "--network", str(root), "--port", "1"])
    assert code == 1
    err = capsys.readouterr().err
    assert "network.yaml" in err and "dòng 3" in err and "ngoặc" in err
