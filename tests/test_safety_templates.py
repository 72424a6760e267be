"""Issue 11 #3/#4: station templates cannot read outside files nor exhaust time or memory.

Through `broadcast script`: a violation is exit 1 with a Vietnamese message naming the
template and its line, and no script is written.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _safety import cli
from conftest import make_station

SECRET = "bí-mật-ngoài-đài: root:x:0:0"


@pytest.fixture
def station(tmp_path):
    (tmp_path / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (tmp_path / "st").mkdir()
    st = make_station(tmp_path / "st")
    (st / "templates").mkdir()
    return st


def _script(station: Path, capsys) -> tuple[int, str]:
    code, out, err = cli(["script", "--station", str(station), "--month", "2026-12"], capsys)
    written = station / "scripts" / "2026-12.md"
    if written.exists():
        assert SECRET not in written.read_text(encoding="utf-8")
    return code, err


def test_symlinked_template_leading_out_is_refused(station, capsys):
    os.symlink(station.parent / "secret.txt", station / "templates" / "greeting.md.j2")
    code, err = _script(station, capsys)
    assert code == 1 and "greeting.md.j2" in err and "symlink" in err
    assert not (station / "scripts" / "2026-12.md").exists()


def test_include_through_a_symlinked_folder_is_refused(station, capsys):
    os.symlink(station.parent, station / "templates" / "ra-ngoai")
    (station / "templates" / "programme.md.j2").write_text(
        "## Mở đầu\n\n{% include 'ra-ngoai/secret.txt' %}\n", encoding="utf-8"
    )
    code, err = _script(station, capsys)
    assert code == 1 and "secret.txt" in err and "ngoài thư mục" in err


def test_symlink_inside_the_station_still_works(station, capsys):
    # A link that stays in the station is harmless (e.g. a shared template kept in the station).
    (station / "mau-chung.md.j2").write_text("Kính chào bà con.\n", encoding="utf-8")
    os.symlink(station / "mau-chung.md.j2", station / "templates" / "loi-chao.md.j2")
    (station / "templates" / "programme.md.j2").write_text(
        "## Mở đầu\n\n{% include 'loi-chao.md.j2' %}\n", encoding="utf-8"
    )
    code, err = _script(station, capsys)
    assert code == 0, err
    assert "Kính chào bà con." in (station / "scripts" / "2026-12.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "expr, words",
    [
        ("{{ 9**(9**9) }}", "lũy thừa"),
        ("{{ 'x'*1000000000 }}", "quá dài"),
        ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "lặp quá"),
        ("{% set s = 'x'*100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}", "lặp quá"),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "quá dài",
        ),
        ("{{ 'x'|center(1000000000) }}", "quá lớn"),
        ("{{ '%1000000000d' % 1 }}", "độ rộng"),
        ("{{ '{:>1000000000}'.format(1) }}", "độ rộng"),
        ("{{ ('x'*100000).replace('', 'y'*1000) }}", "quá dài"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "lồng nhau"),
    ],
)
def test_template_denial_of_service_is_an_error_naming_template_and_line(station, capsys, expr, words):
    (station / "templates" / "programme.md.j2").write_text(
        "## Mở đầu\n\nKính chào bà con.\n" + expr + "\n", encoding="utf-8"
    )
    code, err = _script(station, capsys)
    assert code == 1, err
    assert "programme.md.j2" in err and "dòng 4" in err and "vượt giới hạn" in err and words in err
    assert not (station / "scripts" / "2026-12.md").exists()


def test_exponential_macro_calls_stop_at_the_time_limit(station, capsys):
    (station / "templates" / "programme.md.j2").write_text(
        "## Mở đầu\n\n{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}\n"
        "{{ f(60) }}\n",
        encoding="utf-8",
    )
    code, err = _script(station, capsys)
    assert code == 1 and "programme.md.j2" in err and "giây" in err


def test_large_figures_and_ordinary_filters_still_render(station, capsys):
    (station / "templates" / "programme.md.j2").write_text(
        "## Mở đầu\n\nDân số {{ 2500000|default(0)|num }} người, {{ (1200000 * 3)|num }} lượt, "
        "{{ ['một', 'hai']|join(', ') }}{% for i in range(3) %}.{% endfor %}\n",
        encoding="utf-8",
    )
    code, err = _script(station, capsys)
    assert code == 0, err
    assert "Dân số 2.500.000 người, 3.600.000 lượt, một, hai..." in (
        station / "scripts" / "2026-12.md"
    ).read_text(encoding="utf-8")
