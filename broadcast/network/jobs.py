"""The job for one (station, month): load the member station, run the main job with the shared
voice cache, deliver, and record the result. Idempotent: a re-run redoes only what is missing.

A permanent failure (bad input: `BroadcastError` with exit code 1) is recorded and returned,
never retried; a transient one (exit code 2: voice engine, full or busy disk; any OSError)
raises `TransientFailure` so the queue retries it with backoff. Nothing a job raises stops
another member's job.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import zipfile
from dataclasses import replace
from pathlib import Path

from filelock import Timeout

from broadcast.config import Station, load_station
from broadcast.errors import BroadcastError
from broadcast.fsutil import atomic_path, atomic_write_text, read_state_json
from broadcast.network.config import load_network
from broadcast.network.layout import NetworkStore
from broadcast.network.materialize import member_dir
from broadcast.network.models import JobResult, NetworkSettings
from broadcast.pipeline import MakeResult, make
from broadcast.store import StationStore

log = logging.getLogger(__name__)


class TransientFailure(Exception):
    """A job attempt failed for a reason that may pass (retry it); the message is Vietnamese."""


def read_result(network_dir: str | Path, month: str, slug: str) -> JobResult | None:
    data = read_state_json(NetworkStore(network_dir).result_path(month, slug), warn=False)
    return JobResult.from_dict(data) if isinstance(data, dict) else None


def write_result(network_dir: str | Path, result: JobResult) -> None:
    path = NetworkStore(network_dir).result_path(result.month, result.station)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(result.to_dict(), ensure_ascii=False, indent=1))


def member_station(net: NetworkSettings, slug: str) -> Station:
    """The member's settings, with its tts cache redirected to the network's shared one."""
    folder = member_dir(net, net.member(slug))
    station = load_station(folder)
    shared = StationStore(station.dir, shared_cache=NetworkStore(net.root).voice_cache)
    return replace(station, store=shared)


def produce_station(network_dir: str, slug: str, month: str, attempt: int = 1) -> JobResult:
    """One attempt of the job: the member's programme for `month`, delivered; its result recorded.

    Returns the final result (ok, draft or a permanent failure). Raises TransientFailure
    (after recording status "retrying") when the attempt may succeed later.
    """
    started, cpu0 = time.monotonic(), _cpu()
    result = read_result(network_dir, month, slug) or JobResult(station=slug, month=month)
    result = replace(
        result, status="running", attempts=attempt, error="", worker=f"{socket.gethostname()}:{os.getpid()}"
    )
    write_result(network_dir, result)
    try:
        net = load_network(network_dir)
        station = member_station(net, slug)
        result.name = station.name
        made = make(station, month, auto_approve=net.auto_approve or None)
        _fill(result, made, NetworkStore(net.root))
        if net.delivery == "zip" and made.can_air:
            result.bundle = NetworkStore(net.root).rel(_bundle(station, month, NetworkStore(net.root), slug))
        result.status = "ok" if made.can_air else "draft"
        if not made.can_air:
            result.error = "Kịch bản chưa được duyệt: đã dựng bản nghe thử, chưa xếp lịch phát."
    except BroadcastError as exc:
        result.error = str(exc)
        if exc.exit_code == 1:
            result.status = "failed"
        else:
            _transient(network_dir, result, started, cpu0)
    except (OSError, Timeout) as exc:
        result.error = f"lỗi đọc/ghi tệp: {exc}"
        _transient(network_dir, result, started, cpu0)
    except Exception as exc:  # a bug must not stop the other stations: reported, not retried
        log.exception("job %s %s", slug, month)
        result.error = (
            f"lỗi trong chương trình ({type(exc).__name__}: {exc}); chạy lại với -v để xem chi tiết."
        )
        result.status = "failed"
    result.cpu_s, result.wall_s = round(_cpu() - cpu0, 2), round(time.monotonic() - started, 2)
    write_result(network_dir, result)
    return result


def give_up(network_dir: str, slug: str, month: str) -> JobResult:
    """Record that a transient failure lasted through every retry (the job is failed)."""
    result = read_result(network_dir, month, slug) or JobResult(station=slug, month=month)
    result.status = "failed"
    result.error = (result.error or "lỗi tạm thời") + " (đã thử lại nhiều lần không được)"
    write_result(network_dir, result)
    return result


def _transient(network_dir: str, result: JobResult, started: float, cpu0: float) -> None:
    result.status = "retrying"
    result.cpu_s, result.wall_s = round(_cpu() - cpu0, 2), round(time.monotonic() - started, 2)
    write_result(network_dir, result)
    raise TransientFailure(result.error)


def _fill(result: JobResult, made: MakeResult, net_store: NetworkStore) -> None:
    m = made.manifest
    if m is None:
        return
    result.minutes = round(m.duration_s / 60, 2)
    result.loudness_lufs = round(m.loudness_lufs, 1)
    result.voice = ", ".join(f"{name} {count}" for name, count in m.engines.items())
    result.degraded = bool(m.degraded)
    result.clips_synthesized = m.clips_synthesized if made.produced else 0
    result.clips_cached = m.clips_cached if made.produced else 0
    if made.folder is not None:
        result.programme = net_store.rel(Path(made.folder) / m.file)


def _bundle(station: Station, month: str, net_store: NetworkStore, slug: str) -> Path:
    """delivery/<month>/<slug>.zip: the programme, the schedule and the month's day folders."""
    store = station.store
    files: list[Path] = []
    for folder in [store.programme_dir(month), *[d for d in store.day_dirs() if d.name.startswith(month)]]:
        files += [p for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()]
    files += [p for p in (store.schedule_path(month), store.ics_path(month)) if p.is_file()]
    target = net_store.bundle_path(month, slug)
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        for p in files:
            zf.write(p, store.rel(p))
    return target


def _cpu() -> float:
    """CPU seconds of this process and its finished children (ffmpeg, espeak-ng)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
