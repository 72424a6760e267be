"""The station store: the one owner of a station folder's paths, and `init` from the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from broadcast.config import load_station
from broadcast.errors import ConfigError
from broadcast.store import StationStore

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "broadcast"


@pytest.mark.parametrize("rel", ["station.yaml", "facts/README.md"])
def test_the_example_shipped_in_the_package_is_the_repository_example(rel):
    # The repository root is the example station; `init` copies the package's copy, so an
    # installed wheel can create stations too. Edit both together.
    assert (PACKAGE / "data" / "example" / rel).read_bytes() == (REPO / rel).read_bytes()


def test_init_creates_a_real_station_from_the_package_example(tmp_path):
    target = tmp_path / "dai-tan-lien"
    done = subprocess.run(
        [sys.executable, "-m", "broadcast", "init", str(target)], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    station = load_station(target)
    assert station.example is False
    assert (target / "facts" / "README.md").is_file()
    for folder in ("scripts", "schedules", "audio_out", "jingles"):
        assert (target / folder).is_dir()
    again = subprocess.run(
        [sys.executable, "-m", "broadcast", "init", str(target)], capture_output=True, text=True, cwd=tmp_path
    )
    assert again.returncode == 1 and "không ghi đè" in again.stderr


def test_paths_read_from_files_must_stay_inside_the_station(tmp_path):
    store = StationStore(tmp_path)
    (tmp_path / "audio_out").mkdir()
    assert store.inside("audio_out/x.mp3") == (tmp_path / "audio_out" / "x.mp3").resolve()
    for bad in ("/etc/passwd", "../station.yaml", "audio_out/../../x"):
        with pytest.raises(ConfigError) as exc:
            store.inside(bad, source=tmp_path / "manifest.json")
        assert "ra ngoài thư mục" in exc.value.message
    (tmp_path / "out").symlink_to("/tmp")
    with pytest.raises(ConfigError):
        store.inside("out/x")


def test_find_lists_station_folders_by_name(tmp_path):
    for name in ("b", "a"):
        StationStore.create(tmp_path / name)
    (tmp_path / "not-a-station").mkdir()
    assert [s.root.name for s in StationStore.find(tmp_path)] == ["a", "b"]


def test_no_module_but_the_store_builds_station_folder_paths():
    # The check: the literal folder names of a station live in the store only
    # (docstrings may mention them; code may not build them).
    import ast

    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "store.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and node.value in (".broadcast", "audio_out", "schedules", "scripts", "drafts", "days")
            ):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno} {node.value!r}")
    assert not offenders, offenders
