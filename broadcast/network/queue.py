"""Run a network's jobs: a Dramatiq actor on a Redis broker, or a local pool of processes.

With a broker (`--broker redis://…`) the coordinator sends one message per member and any
number of `broadcast worker` processes, on this machine or others sharing the network
folder, run them. Retries with exponential backoff are Dramatiq's Retries middleware (the
network's policy travels in each message's options); a worker killed in the middle of a job
stops sending heartbeats, and after `heartbeat_s` its unfinished message is delivered to
another worker. Without a broker the same job function runs in a local process pool.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage

from broadcast.errors import EnvironmentProblem
from broadcast.network.jobs import TransientFailure, give_up, produce_station
from broadcast.network.models import JobResult, RetryPolicy

log = logging.getLogger(__name__)

QUEUE = "broadcast-network"
ACTOR = "produce_station"
DEFAULT_HEARTBEAT_S = 60.0
_TIME_LIMIT_MS = 3 * 3600 * 1000  # a programme on a slow machine with a network voice
_MAINTENANCE_CHANCE = 100_000  # of a million fetches: requeue dead workers' messages soon
_POOL_ROUNDS = 3  # a crashed pool process: the unfinished jobs run again
_worker_network: str | None = None  # `broadcast worker --network DIR`: the share as this machine mounts it


def run_job(network_dir: str, slug: str, month: str) -> None:
    """The actor: one attempt of the (station, month) job; a transient failure is retried."""
    message = CurrentMessage.get_current_message()
    retries = int(message.options.get("retries", 0)) if message is not None else 0
    max_retries = int(message.options.get("max_retries", 0)) if message is not None else 0
    network_dir = _worker_network or network_dir
    try:
        produce_station(network_dir, slug, month, attempt=retries + 1)
    except TransientFailure:
        if retries >= max_retries:
            give_up(network_dir, slug, month)
            return
        raise


def redis_broker(url: str, *, heartbeat_s: float = DEFAULT_HEARTBEAT_S) -> RedisBroker:
    """A Redis broker for `url`, with the actor declared on it."""
    try:
        broker = RedisBroker(
            url=url, heartbeat_timeout=int(heartbeat_s * 1000), maintenance_chance=_MAINTENANCE_CHANCE
        )
    except ValueError as exc:
        raise EnvironmentProblem(
            f"địa chỉ máy chủ hàng đợi '{url}' không hợp lệ: {exc}.", hint="Ghi dạng redis://MÁY:6379/0."
        ) from None
    declare(broker)
    return broker


def declare(broker: dramatiq.Broker) -> dramatiq.Actor:
    """Declare the job actor on `broker` (Redis, or a StubBroker in tests)."""
    if not any(isinstance(m, CurrentMessage) for m in broker.middleware):
        broker.add_middleware(CurrentMessage())
    if ACTOR in broker.actors:
        return broker.get_actor(ACTOR)
    declare_actor = dramatiq.actor(
        broker=broker,
        actor_name=ACTOR,
        queue_name=QUEUE,
        time_limit=_TIME_LIMIT_MS,
        throws=(),
        max_retries=RetryPolicy().max_retries,
    )
    return declare_actor(run_job)


def enqueue(
    broker: dramatiq.Broker, network_dir: Path, month: str, slugs: list[str], policy: RetryPolicy
) -> None:
    """One message per member; the network's retry policy travels with each message."""
    actor = declare(broker)
    try:
        for slug in slugs:
            actor.send_with_options(
                args=(str(network_dir), slug, month),
                max_retries=policy.max_retries,
                min_backoff=int(policy.min_backoff_s * 1000),
                max_backoff=int(policy.max_backoff_s * 1000),
            )
    except dramatiq.errors.ConnectionError as exc:
        raise _unreachable(broker, exc) from None


def _unreachable(broker: dramatiq.Broker, exc: Exception) -> EnvironmentProblem:
    return EnvironmentProblem(
        f"không kết nối được máy chủ hàng đợi Redis ({exc}).",
        hint="Kiểm tra máy điều phối đang chạy redis-server, địa chỉ --broker đúng và tường lửa mở cổng 6379.",
    )


def run_worker(
    url: str,
    *,
    network_dir: str | None = None,
    heartbeat_s: float = DEFAULT_HEARTBEAT_S,
    stop: threading.Event | None = None,
) -> None:
    """`broadcast worker`: run jobs from the broker, one at a time, until SIGTERM/SIGINT or `stop`."""
    global _worker_network
    _worker_network = network_dir
    broker = redis_broker(url, heartbeat_s=heartbeat_s)
    try:
        broker.client.ping()
    except Exception as exc:  # redis.ConnectionError and friends
        raise _unreachable(broker, exc) from None
    worker = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=1)
    worker.queue_prefetch = 1  # a job waits in Redis, not in a busy worker
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    worker.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        worker.stop()
        broker.close()


def run_embedded(
    network_dir: Path, month: str, slugs: list[str], *, workers: int, policy: RetryPolicy
) -> None:
    """The same jobs in a local pool of `workers` processes (no server). Returns when all are done."""
    pending = list(slugs)
    for _round in range(_POOL_ROUNDS):
        if not pending:
            return
        # spawn everywhere: what runs here runs the same on Windows, and no thread is forked.
        with ProcessPoolExecutor(
            max_workers=max(1, min(workers, len(pending))), mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            futures = {
                pool.submit(_pool_job, str(network_dir), slug, month, policy): slug for slug in pending
            }
            for future in as_completed(futures):
                try:
                    future.result()
                    pending.remove(futures[future])
                except BrokenProcessPool:
                    log.warning("a worker process died; %s runs again", futures[future])


def _pool_job(network_dir: str, slug: str, month: str, policy: RetryPolicy) -> JobResult:
    """One job with the same policy as the queue: transient failures retried with backoff."""
    for retries in range(policy.max_retries + 1):
        try:
            return produce_station(network_dir, slug, month, attempt=retries + 1)
        except TransientFailure:
            if retries >= policy.max_retries:
                break
            time.sleep(policy.backoff_s(retries + 1))
    return give_up(network_dir, slug, month)
