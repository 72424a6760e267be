"""The use case behind `broadcast network make`: materialise members, run one job each, summarise."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from broadcast.config import validate_month
from broadcast.network.config import load_network
from broadcast.network.jobs import write_result
from broadcast.network.materialize import materialize
from broadcast.network.models import JobResult
from broadcast.network.progress import collect, watch, write_summary
from broadcast.network.queue import DEFAULT_HEARTBEAT_S, enqueue, redis_broker, run_embedded


def make_network(
    network_dir: str | Path,
    month: str,
    *,
    broker: str | None = None,
    workers: int | None = None,
    emit: Callable[[str], None] = lambda _s: None,
    wait: bool = True,
    heartbeat_s: float = DEFAULT_HEARTBEAT_S,
    poll_s: float = 1.0,
) -> list[JobResult]:
    """Produce `month` for every member; returns each member's result (also written as a summary).

    `broker` (or network.yaml's) sends the jobs to Redis for `broadcast worker` processes;
    without one they run in a local pool of `workers` processes. Members that already have
    their programme are quick: each job reuses what is done.
    """
    month = validate_month(month)
    net = load_network(network_dir)
    materialize(net)
    slugs = [m.slug for m in net.members]
    for slug in slugs:
        write_result(net.root, JobResult(station=slug, month=month))
    url = broker or net.broker
    if url:
        enqueue(redis_broker(url, heartbeat_s=heartbeat_s), net.root, month, slugs, net.retry)
        emit(f"Đã gửi {len(slugs)} việc lên hàng đợi {url}; các máy chạy 'worker' sẽ làm.")
        if not wait:
            return collect(net.root, month, slugs)
        results = watch(net.root, month, slugs, emit, poll_s=poll_s)
    else:
        n = workers or net.workers
        emit(f"Làm {len(slugs)} đài trên máy này, {n} tiến trình song song.")
        done = threading.Event()
        box: list[list[JobResult]] = []
        watcher = threading.Thread(
            target=lambda: box.append(
                watch(net.root, month, slugs, emit, poll_s=poll_s, running=lambda: not done.is_set())
            ),
            daemon=True,
        )
        watcher.start()
        try:
            run_embedded(net.root, month, slugs, workers=n, policy=net.retry)
        finally:
            done.set()
            watcher.join()
        results = collect(net.root, month, slugs)
    write_summary(net.root, month, results)
    return results
