"""Voicing a programme: per-role engine chains, cache first, circuit breakers, fallback.

Policy (docs/voices.md):
- For each utterance the chain is walked in order. For each engine: its cached clip if
  there is one; else, if the engine is not switched off for this run, synthesise. So the
  best engine's clip is always preferred, and a clip cached earlier from a fallback engine
  is reused only when the better engines fail or are switched off in this run (when the
  network is back, such clips are re-made with the better engine).
- An engine is checked (`check()`, fast) before its first synthesis in a run. A failed check,
  a connection failure, a timeout, an HTTP 429, a missing model or binary switch the
  engine off for the rest of the run (circuit breaker), so a dead network costs one timeout
  at most, not one per sentence. Other errors fall back for that clip only; three in a row
  switch the engine off too.
- Every online request has an overall deadline (`voice.request_deadline_s`) and all the
  online calls of a run share one budget (`voice.network_budget_s`): a server that answers
  slowly, or drips one byte at a time, costs at most that, then the engine is switched off
  like a dead network. HTTP 429 switches the engine off at once (no retry).
- `fallback: false` uses only the first engine of each chain and raises VoiceError naming
  the utterance instead of degrading.
"""

from __future__ import annotations

import errno
import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from broadcast.errors import ConfigError, EnvironmentProblem, NextStep, VoiceError
from broadcast.voice.base import (
    FATAL_KINDS,
    Clip,
    Engine,
    EngineError,
    VoiceRequest,
    VoiceResult,
)
from broadcast.voice.cache import ClipCache, settings_digest
from broadcast.voice.piper_engine import KNOWN_VOICES, installed_voices
from broadcast.voice.registry import ENGINES, engine_class

if TYPE_CHECKING:
    from broadcast.config import EngineSpec, Station

log = logging.getLogger("broadcast.voice")

_REPEATED_FAILURES = 3
_STATUS_DEADLINE_S = 1.5

# Built-in speaking rates (syllables per second, clip durations including the engine's own
# leading/trailing silence), used until the cache holds enough clips to measure the real
# one. Offline voices were measured here by benchmarks/bench_voice.py; online ones are
# estimates, replaced by calibration after the first run with network.
_RATES: dict[tuple[str, str], float] = {
    ("espeak-ng", "vi"): 3.39,
    ("espeak-ng", "vi-vn-x-central"): 3.32,
    ("espeak-ng", "vi-vn-x-south"): 3.27,
    ("gtts", "vi"): 4.3,
    ("edge-tts", "vi-VN-HoaiMyNeural"): 4.6,
    ("edge-tts", "vi-VN-NamMinhNeural"): 4.6,
    ("piper", "*"): 4.0,
    ("silent", "silence"): 5.0,
}
_ESPEAK_REFERENCE_SPEED = 150


def make_engine(spec: EngineSpec, station: Station, role: str = "main") -> Engine:
    """Construct the engine for one station.yaml chain entry; errors point at its line."""
    try:
        cls = engine_class(spec.engine)
        engine = cls(spec.options, station.voice.timeout_s, station.store.state_dir)
        engine.request_deadline_s = float(
            getattr(station.voice, "request_deadline_s", engine.request_deadline_s)
        )
        return engine
    except ConfigError as exc:
        exc.file = str(station.store.station_file)
        exc.line = spec.line or station.line("voice", role)
        exc.field = f"voice.{role}"
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"tùy chọn của bộ đọc '{spec.engine}' không hợp lệ: {exc}.",
            file=station.store.station_file,
            line=spec.line or station.line("voice", role),
            field=f"voice.{role}",
            hint="Xem docs/voices.md: các tùy chọn của từng bộ đọc.",
        ) from None


def _chains(station: Station) -> dict[str, list[Engine]]:
    """Engines per role; identical specs share one instance (and so one breaker)."""
    made: dict[tuple[str, str], Engine] = {}

    def build(specs: list[EngineSpec], role: str) -> list[Engine]:
        out = []
        for spec in specs:
            ident = (spec.engine, repr(sorted(spec.options.items())))
            if ident not in made:
                made[ident] = make_engine(spec, station, role)
            out.append(made[ident])
        return out

    main = build(station.voice.main, "main")
    second = build(station.voice.second, "second") if station.voice.second else main
    return {"main": main, "second": second}


class _Breakers:
    """Which engines are switched off for this run, and why; the run's network budget."""

    def __init__(self, network_budget_s: float | None = None) -> None:
        self.open: dict[Any, str] = {}
        self.checked: set[Any] = set()
        self.failures: dict[int, int] = {}
        self.budget_s = network_budget_s
        self.spent_s = 0.0  # time spent in online engines (checks and requests) this run

    def network(self, engine: Engine) -> _NetworkTime:
        """Context for one online call: sets the engine's run deadline, adds up the time."""
        return _NetworkTime(self, engine)

    def budget_left(self) -> float | None:
        return None if self.budget_s is None else self.budget_s - self.spent_s

    @staticmethod
    def _key(engine: Engine) -> Any:
        # The network is shared: an online engine that cannot reach its service is off for
        # every voice of that engine. Offline engines are per instance (a missing model).
        return engine.NAME if engine.ONLINE else id(engine)

    def blocked(self, engine: Engine) -> str | None:
        """Why `engine` must not be tried now (checking it the first time), or None."""
        key = self._key(engine)
        if key in self.open:
            return self.open[key]
        left = self.budget_left()
        if engine.ONLINE and left is not None and left <= 0:
            why = (
                f"đã dùng hết {self.budget_s:g} giây dành cho mạng trong lần chạy này "
                "(voice.network_budget_s); mạng quá chậm"
            )
            self.trip(engine, why)
            return why
        if key not in self.checked:
            self.checked.add(key)
            start = time.monotonic()
            with self.network(engine):
                ok, why = engine.check()
            log.debug("check %s: %s (%s) in %.2fs", engine.describe(), ok, why, time.monotonic() - start)
            if not ok:
                self.trip(engine, why)
                return why
        return None

    def trip(self, engine: Engine, why: str) -> None:
        key = self._key(engine)
        if key not in self.open:
            self.open[key] = why
            log.warning("Ngừng dùng %s trong lần chạy này: %s", engine.describe(), why)

    def failed(self, engine: Engine, exc: EngineError) -> None:
        if exc.kind in FATAL_KINDS:
            self.trip(engine, str(exc))
            return
        count = self.failures.get(id(engine), 0) + 1
        self.failures[id(engine)] = count
        if count >= _REPEATED_FAILURES:
            self.trip(engine, f"lỗi {count} lần liên tiếp, lần cuối: {exc}")

    def succeeded(self, engine: Engine) -> None:
        self.failures.pop(id(engine), None)


class _NetworkTime:
    """Times one online call against the run's network budget (offline engines: no-op)."""

    def __init__(self, breakers: _Breakers, engine: Engine) -> None:
        self.breakers = breakers
        self.engine = engine
        self.start = 0.0

    def __enter__(self) -> _NetworkTime:
        self.start = time.monotonic()
        left = self.breakers.budget_left()
        if self.engine.ONLINE and left is not None:
            self.engine.run_deadline = self.start + max(0.0, left)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.engine.ONLINE:
            self.breakers.spent_s += time.monotonic() - self.start
            self.engine.run_deadline = None


def _timed(breakers: _Breakers, engine: Engine, text: str, path: Path) -> None:
    """engine.synthesize under the run's network budget (the cache's own work is not counted)."""
    with breakers.network(engine):
        engine.synthesize(text, path)


def _excerpt(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def synthesize(
    requests: list[VoiceRequest],
    station: Station,
    progress: Callable[[int, int], None] | None = None,
) -> VoiceResult:
    """Voice every request (cache first, then the chain in order); one Clip per request.

    Raises VoiceError naming the utterance when no engine of its chain can voice it, or when
    the first engine fails and the station forbids fallback (`voice.fallback: false`).
    """
    chains = _chains(station)
    cache = ClipCache(station.store.cache_dir("tts"))
    breakers = _Breakers(getattr(station.voice, "network_budget_s", None))
    allow_fallback = station.voice.fallback
    clips: list[Clip] = []
    engines: dict[str, int] = {}
    synthesized = cached = 0
    total = len(requests)
    for index, request in enumerate(requests, start=1):
        text = request.text.strip()
        if request.role not in chains:
            raise VoiceError(
                f"câu số {index} dùng vai giọng '{request.role}' không có (chỉ có 'main' và 'second').",
            )
        if not text:
            raise VoiceError(f"câu số {index} rỗng, không có gì để đọc.")
        chain = chains[request.role]
        candidates = chain if allow_fallback else chain[:1]
        reasons: list[str] = []
        clip: Clip | None = None
        for position, engine in enumerate(candidates):
            entry = cache.lookup(engine, text)
            if entry is not None:
                clip = Clip(entry.path, entry.duration_s, engine.NAME, engine.voice_id, True, position > 0)
                cached += 1
                break
            why = breakers.blocked(engine)
            if why is not None:
                reasons.append(f"{engine.describe()}: {why}")
                continue
            try:
                entry = cache.store(engine, text, functools.partial(_timed, breakers, engine, text))
            except EngineError as exc:
                log.info("%s không đọc được câu %d: %s", engine.describe(), index, exc)
                reasons.append(f"{engine.describe()}: {exc}")
                breakers.failed(engine, exc)
                continue
            except OSError as exc:
                raise _disk_problem(exc, cache.root) from None
            breakers.succeeded(engine)
            # Not made here: another run sharing the cache (a network worker) made it meanwhile.
            clip = Clip(
                entry.path, entry.duration_s, engine.NAME, engine.voice_id, not entry.made, position > 0
            )
            if entry.made:
                synthesized += 1
            else:
                cached += 1
            break
        if clip is None:
            raise _no_clip(index, text, reasons, station, request.role, allow_fallback)
        if clip.fallback:
            log.debug("câu %d: dùng giọng dự phòng %s/%s", index, clip.engine, clip.voice)
        clips.append(clip)
        engines[clip.engine] = engines.get(clip.engine, 0) + 1
        if progress is not None:
            progress(index, total)
    degraded = any(c.fallback for c in clips)
    if degraded:
        log.warning(
            "Giọng chính không dùng được cho %d/%d câu: các câu đó đọc bằng giọng dự phòng.",
            sum(c.fallback for c in clips),
            len(clips),
        )
    return VoiceResult(clips, engines, degraded, synthesized, cached)


def _disk_problem(exc: OSError, root: Path) -> EnvironmentProblem:
    if exc.errno == errno.ENOSPC:
        return EnvironmentProblem(
            f"ổ đĩa đầy, không ghi được bộ nhớ đệm giọng đọc {root}.",
            hint="Giải phóng dung lượng rồi chạy lại.",
        )
    return EnvironmentProblem(
        f"không ghi được bộ nhớ đệm giọng đọc {root}: {exc}.", hint="Kiểm tra quyền ghi thư mục của đài."
    )


def _no_clip(
    index: int, text: str, reasons: list[str], station: Station, role: str, allow_fallback: bool
) -> VoiceError:
    why = "; ".join(reasons) or "không có bộ đọc nào"
    if not allow_fallback:
        return VoiceError(
            f"không đọc được câu số {index} («{_excerpt(text)}») bằng giọng chính — {why}. "
            "Đài đặt 'fallback: false' nên không dùng giọng dự phòng và không làm chương trình.",
            file=station.store.station_file,
            line=station.line("voice", "fallback"),
            field="voice.fallback",
            hint="Sửa nguyên nhân trên rồi chạy lại (các câu đã đọc được vẫn nằm trong bộ nhớ đệm), "
            "hoặc đặt 'fallback: true' để dùng giọng dự phòng.",
        )
    return VoiceError(
        f"không đọc được câu số {index} («{_excerpt(text)}») bằng mọi bộ đọc trong danh sách — {why}.",
        file=station.store.station_file,
        line=station.line("voice", role),
        field=f"voice.{role}",
        hint="Thêm một bộ đọc không cần mạng vào cuối danh sách, ví dụ '- engine: espeak-ng', "
        "rồi xem lại danh sách giọng dùng được trên máy này.",
        next_step=NextStep("voices"),
    )


def builtin_rate(engine: Engine) -> float:
    """Speaking rate (syllables/s) from the built-in table, adjusted for espeak-ng speed."""
    rate = _RATES.get((engine.NAME, engine.voice_id)) or _RATES.get((engine.NAME, "*")) or 4.0
    if engine.NAME == "espeak-ng":
        rate *= getattr(engine, "speed", _ESPEAK_REFERENCE_SPEED) / _ESPEAK_REFERENCE_SPEED
    if engine.NAME == "silent":
        rate = 1.0 / float(getattr(engine, "syllable_s", 0.2))
    length_scale = getattr(engine, "length_scale", None)
    if engine.NAME == "piper" and length_scale:
        rate /= float(length_scale)
    return rate


def _role_chain(station: Station, role: str) -> list[Engine]:
    """The role's engine chain (the main chain for an unknown role)."""
    chains = _chains(station)
    return chains.get(role) or chains["main"]


def _rate(cache: ClipCache, engine: Engine) -> float:
    """Syllables/s measured on the engine's cached clips when there are enough, else built in."""
    measured = cache.measured_rate(engine)
    return measured[0] if measured is not None else builtin_rate(engine)


def speaking_rate(station: Station, role: str = "main") -> float:
    """Syllables per second of the station's first usable engine+voice for `role`.

    Measured on the station's cached clips of that engine and settings once there are
    enough of them (20 clips, 60 s), else from the built-in table. If no engine of the chain
    is usable right now, the first one is assumed.
    """
    chain = _role_chain(station, role)
    chosen = next((engine for engine in chain if _usable_recently(engine)), chain[0])
    return _rate(ClipCache(station.store.cache_dir("tts")), chosen)


def primary_usable(station: Station, role: str = "main") -> tuple[bool, str]:
    """Is the first engine of the role's chain usable here and now (network, model, binary)?

    A programme voiced by a fallback engine is re-voiced once the preferred one is back.
    """
    return _chains(station)[role][0].check()


def chain_rates(station: Station, role: str = "main") -> list[tuple[str, float]]:
    """(engine label, syllables/s) for every engine of the role's chain, in chain order.

    Whichever engine ends up reading (the network may be down on the day), the programme
    must fit: the check stage estimates the length with each of these rates.
    """
    cache = ClipCache(station.store.cache_dir("tts"))
    return [
        (f"{engine.NAME} ({engine.voice_id})", _rate(cache, engine)) for engine in _role_chain(station, role)
    ]


_recent_checks: dict[str, tuple[float, bool]] = {}
_RECENT_CHECK_S = 60.0


def _usable_recently(engine: Engine) -> bool:
    """engine.check(), remembered for a minute (an estimate asks for main and second)."""
    key = settings_digest(engine) + repr(sorted(engine.options.items()))
    now = time.monotonic()
    hit = _recent_checks.get(key)
    if hit is None or now - hit[0] > _RECENT_CHECK_S:
        hit = (now, engine.check()[0])
        _recent_checks[key] = hit
    return hit[1]


@dataclass
class EngineStatus:
    """One row of `broadcast voices`: an engine+voice and whether it works here and now."""

    engine: str
    voice: str
    label: str
    usable: bool
    reason: str
    role: str = ""
    """Where the station uses it: "main 1", "second 2"…, or "" (available, not configured)."""


def engine_status(
    station: Station | None, state_dir: Path | None = None, deadline_s: float = _STATUS_DEADLINE_S
) -> list[EngineStatus]:
    """Every configured engine, then every other known engine/voice, with a live check.

    Checks run in parallel (daemon threads) under one deadline, so the whole listing takes
    at most about `deadline_s` even when the network hangs.
    """

    if station is not None:
        state_dir = station.store.state_dir
        timeout_s = station.voice.timeout_s
    else:
        if state_dir is None:
            raise ValueError("engine_status needs a station or its state folder")
        timeout_s = 6.0
    rows: list[tuple[Engine, str]] = []
    seen: set[tuple[str, str]] = set()
    if station is not None:
        for role, specs in (("main", station.voice.main), ("second", station.voice.second)):
            for i, spec in enumerate(specs, start=1):
                engine = make_engine(spec, station, role)
                rows.append((engine, f"{'chính' if role == 'main' else 'phụ'} {i}"))
                seen.add((engine.NAME, engine.voice_id))
    for name, cls in ENGINES.items():
        voices = list(cls.VOICES)
        if name == "piper":
            voices = list(dict.fromkeys(installed_voices(state_dir) + list(KNOWN_VOICES)))
        for voice in voices:
            if (name, voice) in seen:
                continue
            seen.add((name, voice))
            options = {"voice": voice} if "voice" in cls.OPTIONS else {}
            rows.append((cls(options, timeout_s, state_dir), ""))

    results: list[tuple[bool, str] | None] = [None] * len(rows)

    def run(i: int, engine: Engine) -> None:
        try:
            results[i] = engine.check()
        except Exception as exc:  # a check must never break the listing
            results[i] = (False, f"lỗi khi kiểm tra: {exc}")

    threads = [threading.Thread(target=run, args=(i, e), daemon=True) for i, (e, _) in enumerate(rows)]
    for t in threads:
        t.start()
    end = time.monotonic() + deadline_s
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    out = []
    for (engine, role), result in zip(rows, results, strict=True):
        ok, why = (
            result if result is not None else (False, f"không trả lời trong {deadline_s:g} giây (mạng chậm?)")
        )
        out.append(EngineStatus(engine.NAME, engine.voice_id, engine.LABEL, ok, why, role))
    return out
