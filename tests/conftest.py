"""Shared fixtures: a throw-away copy of the example station."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def make_station(tmp_path: Path, **overrides) -> Path:
    """Copy the example station.yaml into tmp_path, apply top-level section overrides."""
    data = yaml.safe_load((REPO / "station.yaml").read_text(encoding="utf-8"))
    for section, values in overrides.items():
        if isinstance(values, dict) and isinstance(data.get(section), dict):
            data[section].update(values)
        else:
            data[section] = values
    (tmp_path / "station.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    if (REPO / "facts").is_dir():
        shutil.copytree(REPO / "facts", tmp_path / "facts", dirs_exist_ok=True)
    return tmp_path


@pytest.fixture
def example_station(tmp_path: Path) -> Path:
    """A copy of the example station in a temp folder (real voice chain)."""
    return make_station(tmp_path)


@pytest.fixture
def silent_station(tmp_path: Path) -> Path:
    """A copy of the example station that voices with the `silent` engine."""
    return make_station(
        tmp_path,
        voice={"main": [{"engine": "silent", "syllable_s": 0.3}], "second": [], "fallback": True},
    )
