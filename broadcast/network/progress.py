"""Progress and results of a network run: a live count, and the summary as a text table and JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from broadcast.fsutil import atomic_write_text
from broadcast.network.jobs import read_result
from broadcast.network.layout import NetworkStore
from broadcast.network.models import JobResult

STATUS_VI = {
    "queued": "chờ",
    "running": "đang làm",
    "retrying": "thử lại",
    "ok": "xong",
    "draft": "chờ duyệt",
    "failed": "LỖI",
}


def collect(network_dir: str | Path, month: str, slugs: list[str]) -> list[JobResult]:
    """The result of every member (a member without one yet is "queued")."""
    return [read_result(network_dir, month, s) or JobResult(station=s, month=month) for s in slugs]


def count_line(results: list[JobResult]) -> str:
    """`Xong 7/12 đài (lỗi 1, chờ duyệt 0), đang làm 2, chờ 3`."""
    by: dict[str, int] = {}
    for r in results:
        by[r.status] = by.get(r.status, 0) + 1
    done = sum(by.get(s, 0) for s in ("ok", "draft", "failed"))
    return (
        f"Xong {done}/{len(results)} đài (lỗi {by.get('failed', 0)}, chờ duyệt {by.get('draft', 0)}), "
        f"đang làm {by.get('running', 0) + by.get('retrying', 0)}, chờ {by.get('queued', 0)}"
    )


def watch(
    network_dir: str | Path,
    month: str,
    slugs: list[str],
    emit: Callable[[str], None],
    *,
    poll_s: float = 1.0,
    running: Callable[[], bool] | None = None,
) -> list[JobResult]:
    """Report the count whenever it changes, until every job is final (or `running()` turns False)."""
    last = ""
    while True:
        results = collect(network_dir, month, slugs)
        line = count_line(results)
        if line != last:
            emit(line)
            last = line
        if all(r.final for r in results) or (running is not None and not running()):
            return results
        time.sleep(poll_s)


def summary_rows(results: list[JobResult]) -> list[dict[str, object]]:
    """One row per station: station, status, minutes, loudness, voice, degraded, error."""
    return [
        {
            "station": r.station,
            "name": r.name,
            "status": r.status,
            "minutes": r.minutes,
            "loudness_lufs": r.loudness_lufs,
            "voice": r.voice,
            "degraded": r.degraded,
            "error": r.error,
            "attempts": r.attempts,
            "programme": r.programme,
            "bundle": r.bundle,
        }
        for r in results
    ]


def summary_json(results: list[JobResult]) -> str:
    return json.dumps(summary_rows(results), ensure_ascii=False, indent=1)


def summary_text(results: list[JobResult]) -> str:
    """The table printed at the end of `network make` and by `network status`."""
    head = ("Đài", "Trạng thái", "Phút", "LUFS", "Giọng đọc", "Dự phòng", "Lỗi")
    rows = [head]
    for r in results:
        rows.append(
            (
                r.station,
                STATUS_VI.get(r.status, r.status),
                f"{r.minutes:.1f}" if r.minutes is not None else "-",
                f"{r.loudness_lufs:.1f}" if r.loudness_lufs is not None else "-",
                r.voice or "-",
                "CÓ" if r.degraded else "không",
                (r.error.splitlines()[0][:100] if r.error else ""),
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head) - 1)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row[:-1], widths, strict=False)) + "  " + str(row[-1])
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(line.rstrip() for line in lines)


def write_summary(network_dir: str | Path, month: str, results: list[JobResult]) -> tuple[Path, Path]:
    """summary.txt and summary.json next to the results; returns their paths."""
    store = NetworkStore(network_dir)
    txt, js = store.summary_path(month, "txt"), store.summary_path(month, "json")
    atomic_write_text(txt, summary_text(results) + "\n")
    atomic_write_text(js, summary_json(results) + "\n")
    return txt, js
