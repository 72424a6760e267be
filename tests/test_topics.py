"""Topic library, annual plan and facts files."""

from __future__ import annotations

import re

import pytest

from broadcast.config import load_station
from broadcast.errors import ConfigError
from broadcast.topics import (
    AREAS,
    default_plan,
    load_facts,
    load_plan,
    load_topics,
    plan_path,
    plan_year,
    topic_for_month,
)

REQUIRED = ("Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ",)


@pytest.fixture
def station(example_station):
    return load_station(example_station)


def test_builtin_library_is_complete():
    topics = load_topics()
    assert len(topics) >= 14
    assert {t.area for t in topics.values()} == set(AREAS)
    for t in topics.values():
        assert len(t.explanation) >= 6 and len(t.qa) >= 5 and len(t.how_to) >= 5, t.id
        assert t.key_messages and t.summary and t.legal, t.id
        for ref in t.legal:
            assert re.search(r"(số \S+ ngày \d{1,2}/\d{1,2}/\d{4})|Đề án", ref.text), ref.text
    texts = " ".join(r.text for t in topics.values() for r in t.legal)
    for ref in REQUIRED:
        assert ref in texts
    ids = set(topics)
    for needed in (
        "mot-cua-lien-thong",
        "dich-vu-cong-truc-tuyen",
        "thu-tuc-lien-thong",
        "so-hoa-ho-so",
        "thanh-toan-khong-tien-mat",
        "chi-so-cchc",
        "phan-anh-kien-nghi",
        "van-hoa-cong-vu",
        "quyen-giam-sat",
        "dien-hinh-cchc",
        "cai-cach-the-che",
        "chinh-quyen-hai-cap",
        "tai-chinh-cong",
        "dinh-danh-dien-tu",
        "ke-hoach-cchc-nam",
        "so-ket-6-thang",
        "tong-ket-nam",
    ):
        assert needed in ids


def test_linked_procedures_and_indices_are_covered():
    topics = load_topics()
    linked = " ".join(topics["thu-tuc-lien-thong"].key_messages)
    assert (
        "khai sinh" in linked and "thường trú" in linked and "bảo hiểm y tế" in linked and "6 tuổi" in linked
    )
    assert "khai tử" in linked and "mai táng phí" in linked
    idx = topics["chi-so-cchc"].short_title
    for name in ("PAR INDEX", "SIPAS", "PAPI", "PCI", "DDCI", "DTI"):
        assert name in idx


@pytest.mark.parametrize("year", [2026, 2027, 2028, 2029, 2030])
def test_default_plan_covers_six_areas_and_the_calendar(year):
    topics = load_topics()
    plan = default_plan(topics, year)
    assert sorted(plan) == list(range(1, 13))
    assert len(set(plan.values())) == 12, "no topic twice in a year"
    assert {topics[t].area for t in plan.values()} == set(AREAS)
    assert plan[1] == "ke-hoach-cchc-nam"
    assert "so-ket-6-thang" in (plan[6], plan[7])
    assert plan[10] == "chuyen-doi-so" and topics[plan[10]].area == "chinh-quyen-so"
    assert plan[12] == "tong-ket-nam"


def test_plan_rotates_between_years():
    topics = load_topics()
    assert default_plan(topics, 2027) != default_plan(topics, 2028)


def test_plan_file_written_kept_and_editable(station):
    path = plan_year(station, 2027)
    assert path == plan_path(station, 2027) and path.exists()
    plan = load_plan(station, 2027)
    assert len(plan) == 12
    # staff edit: March gets another topic; plan is kept, and the script follows it
    text = path.read_text(encoding="utf-8")
    march = plan["2027-03"].topic
    new = "phan-anh-kien-nghi" if march != "phan-anh-kien-nghi" else "mot-cua-lien-thong"
    lines = text.splitlines()
    i = lines.index('  - month: "2027-03"')
    lines[i + 1] = f"    topic: {new}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan_year(station, 2027)  # no --force: kept
    assert load_plan(station, 2027)["2027-03"].topic == new
    assert topic_for_month(station, "2027-03").id == new
    plan_year(station, 2027, force=True)
    assert load_plan(station, 2027)["2027-03"].topic == march
    assert list(path.parent.glob("plan-2027.*.bak.yaml"))


def test_plan_with_unknown_topic_names_the_line(station):
    path = plan_year(station, 2027)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    i = lines.index('  - month: "2027-05"')
    lines[i + 1] = "    topic: khong-co-chu-de-nay"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        topic_for_month(station, "2027-05")
    assert err.value.line == i + 2 and "khong-co-chu-de-nay" in str(err.value)
    assert "mot-cua-lien-thong" in str(err.value)  # lists valid ids


def test_station_topics_override_and_extend(station):
    tdir = station.dir / "topics"
    tdir.mkdir()
    builtin = load_topics()["mot-cua-lien-thong"].source.read_text(encoding="utf-8")
    (tdir / "mot-cua.yaml").write_text(
        builtin.replace('short_title: "Một cửa, một cửa liên thông"', 'short_title: "Một cửa ở đài riêng"'),
        encoding="utf-8",
    )
    (tdir / "rieng.yaml").write_text(
        builtin.replace("id: mot-cua-lien-thong", "id: chu-de-rieng")
        .replace("months:", "x:")
        .replace("order: 10", "order: 1"),
        encoding="utf-8",
    )
    topics = load_topics(station)
    assert topics["mot-cua-lien-thong"].short_title == "Một cửa ở đài riêng"
    assert not topics["mot-cua-lien-thong"].builtin
    assert "chu-de-rieng" in topics and len(topics) == len(load_topics()) + 1


@pytest.mark.parametrize(
    "patch, field",
    [
        (("area: thu-tuc-hanh-chinh", "area: khac"), "area"),
        (("id: mot-cua-lien-thong", "id: Một Cửa"), "id"),
        (("qa:\n", "qa:\n  - q: chỉ có câu hỏi\n"), "qa[0]"),
        (("order: 10", "order: 10\nlam_gi: x"), "lam_gi"),
    ],
)
def test_invalid_station_topic_names_file_line_and_field(station, patch, field):
    tdir = station.dir / "topics"
    tdir.mkdir()
    builtin = load_topics()["mot-cua-lien-thong"].source.read_text(encoding="utf-8")
    bad = tdir / "sai.yaml"
    bad.write_text(builtin.replace(*patch, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_topics(station)
    assert err.value.file == str(bad) and err.value.line and err.value.field == field


def test_provincial_references_only_for_that_province(station):
    t = load_topics()["ke-hoach-cchc-nam"]
    assert any("Quảng Ngãi" in r for r in t.for_template(station)["legal"])
    station.contacts = {"hotline": "1"}
    station.name, station.locality, station.authority = "Đài xã Tân Liên", "xã Tân Liên", "UBND xã Tân Liên"
    station.province = "Quảng Trị"
    assert not any("Quảng Ngãi" in r for r in t.for_template(station)["legal"])
    station.province = ""  # no province set: guessed from name, place and contacts
    assert not any("Quảng Ngãi" in r for r in t.for_template(station)["legal"])
    station.contacts = {"portal": "dichvucong.quangngai.gov.vn"}
    assert any("Quảng Ngãi" in r for r in t.for_template(station)["legal"])


def test_facts_loading_and_validation(station):
    f = load_facts(station, "2026-12")
    assert f.example and f.figures["received"] == 1245 and f.figures["on_time_rate"] == 98.6
    assert load_facts(station, "2031-01").present is False
    (station.store.facts_dir / "2027-07.yaml").write_text("received: 10\non_time: 99\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_facts(station, "2027-07")
    assert err.value.line == 2 and "on_time_rate" in str(err.value)
    (station.store.facts_dir / "2027-07.yaml").write_text("satisfaction: 120\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_facts(station, "2027-07")
    assert err.value.line == 1
    (station.store.facts_dir / "2027-07.yaml").write_text("received: nhiều\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_facts(station, "2027-07")
    assert "ước đoán" in str(err.value)
