"""Tiny generated networks for the network tests and benchmark (silent voice, short programmes)."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import make_station

MONTH = "2027-03"
BROKEN_SLUG = "hong"


def tiny_template(folder: Path, engine: dict | None = None) -> Path:
    """A template station: silent voice (or `engine`), 1–15 minute programme, one airing."""
    folder.mkdir(parents=True, exist_ok=True)
    return make_station(
        folder,
        voice={"main": [engine or {"engine": "silent", "syllable_s": 0.02}], "second": [], "fallback": True},
        programme={"min_minutes": 1, "max_minutes": 15},
        audio={"target_lufs": -16, "true_peak_dbtp": -1, "bitrate_kbps": 64, "sample_rate": 22050},
        airing={
            "per_month": 1,
            "slots": ["sang"],
            "from_day": 5,
            "skip_holidays": True,
            "days_off": [],
            "extra_days": [],
            "reminder_min": 0,
        },
    )


def member(i: int) -> dict:
    return {
        "slug": f"xa-thu-{i:02d}",
        "name": f"Đài Truyền thanh xã Thử Nghiệm {i}",
        "level": "xã",
        "locality": f"xã Thử Nghiệm {i}",
        "authority": f"Ủy ban nhân dân xã Thử Nghiệm {i}",
        "hotline": f"0255 3 800 {i:03d}",
        "address": f"trụ sở Ủy ban nhân dân xã Thử Nghiệm {i}",
    }


def make_network(
    root: Path, count: int, *, broken: bool = True, delivery: str = "folder", engine: dict | None = None
) -> Path:
    """A network folder: a template station, `count` members built from it, and (if `broken`)
    one member with its own folder whose station.yaml is broken at line 3."""
    tiny_template(root / "mau", engine)
    stations: list[dict] = [member(i) for i in range(1, count + 1)]
    if broken:
        bad = root / "doi-tac" / BROKEN_SLUG
        bad.mkdir(parents=True)
        (bad / "station.yaml").write_text('station:\n  name: "Đài hỏng\n  slug: [hong\n', encoding="utf-8")
        stations.append({"folder": f"doi-tac/{BROKEN_SLUG}"})
    data = {
        "network": {
            "name": "Mạng thử",
            "template": "mau",
            "delivery": delivery,
            "auto_approve": True,
            "workers": 2,
            "retries": 2,
        },
        "stations": stations,
    }
    (root / "network.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return root


def redis_server_command(binary: str, port: int, data: Path) -> list[str]:
    """A throw-away redis-server on loopback: no snapshots, no append-only file."""
    return [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data),
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "yes",
    ]
