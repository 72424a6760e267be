"""The programme as a plan in samples: where every prepared piece sounds, beds and ducking."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from broadcast import jingles as jingles_mod
from broadcast.errors import ProductionError
from broadcast.models.programme import ManifestSegment, ProgrammePlan
from broadcast.production.dsp import from_db
from broadcast.production.prepared import Prepared

if TYPE_CHECKING:
    from broadcast.config import AudioSettings
    from broadcast.voice import Clip

BED_FADE_IN_S = 1.0
BED_FADE_OUT_S = 1.5


@dataclass
class Item:
    start: int
    piece: Prepared
    gain: float = 1.0
    fade_out: int = 0  # samples faded out at the end (jingle crossfading into speech)

    @property
    def frames(self) -> int:
        return self.piece.frames

    @property
    def end(self) -> int:
        return self.start + self.frames


@dataclass
class Timeline:
    rate: int
    total: int
    items: list[Item]
    beds: list[tuple[int, int]]  # (start, end) in samples; fade-out runs past `end`
    duck_t: np.ndarray  # breakpoints (samples) of the duck amount 0..1
    duck_v: np.ndarray
    seg_starts: list[int]
    jingle_spans: list[tuple[str, int, int, jingles_mod.JingleSource]]


def plan_timeline(
    plan: ProgrammePlan,
    audio: AudioSettings,
    speech: dict[int, Prepared],
    jingle: dict[str, Prepared],
    sources: dict[str, jingles_mod.JingleSource],
    bed_frames: int,
) -> Timeline:
    """Walk the events and place every piece on a sample timeline."""
    rate = audio.sample_rate
    p = audio.pauses
    pauses = {"sentence": p.sentence_s, "clause": p.clause_s, "paragraph": p.paragraph_s, "none": 0.0}
    xfade = int(audio.crossfade_ms / 1000 * rate)
    seg_gap = int(p.segment_s * rate)
    items: list[Item] = []
    beds: list[tuple[int, int]] = []
    spans: list[tuple[str, int, int, jingles_mod.JingleSource]] = []
    seg_starts: list[int | None] = [None] * len(plan.segments)
    cursor = pending = 0
    bed_open: int | None = None
    prev_jingle: Item | None = None
    segment: int | None = None

    def close_bed(at: int) -> None:
        nonlocal bed_open
        if bed_open is not None and at > bed_open:
            beds.append((bed_open, at))
        bed_open = None

    for i, ev in enumerate(plan.events):
        if ev.segment != segment:
            if items or cursor:
                pending = max(pending, seg_gap)
            close_bed(cursor + pending)
            segment = ev.segment
            if 0 <= segment < len(seg_starts) and seg_starts[segment] is None:
                seg_starts[segment] = cursor + pending
            prev_jingle = None if pending else prev_jingle
        if ev.kind == "speech":
            piece = speech[i]
            start = cursor + pending
            if prev_jingle is not None and pending == 0 and xfade > 0:
                overlap = min(xfade, prev_jingle.frames // 2)
                start = prev_jingle.end - overlap
                prev_jingle.fade_out = overlap
            items.append(Item(start, piece, from_db(ev.gain_db)))
            cursor = max(cursor, start + piece.frames)
            pending = int(pauses.get(ev.pause_after, 0.0) * rate)
            prev_jingle = None
        elif ev.kind == "pause":
            cursor += pending + int(max(0.0, ev.seconds) * rate)
            pending = 0
            prev_jingle = None
        elif ev.kind == "jingle":
            name = ev.jingle or "stinger"
            piece = jingle[name]
            start = cursor + pending
            item = Item(start, piece)
            items.append(item)
            spans.append((name, start, item.end, sources[name]))
            cursor, pending, prev_jingle = item.end, 0, item
        elif ev.kind == "bed":
            if ev.bed and bed_frames:
                if bed_open is None:
                    bed_open = cursor + pending
            else:
                close_bed(cursor + pending)
        else:
            raise ProductionError(f"loại sự kiện không biết: '{ev.kind}' (sự kiện thứ {i + 1}).")
    close_bed(cursor)
    end = cursor
    total = max([end] + [b + int(BED_FADE_OUT_S * rate) for _, b in beds])

    # Ducking: under every speech/jingle item, bridging gaps too short to rise and fall.
    attack = int(audio.bed.attack_ms / 1000 * rate)
    release = int(audio.bed.release_ms / 1000 * rate)
    bridge = attack + release + int(0.25 * rate)
    spans_sorted = sorted((it.start, it.end) for it in items)
    merged: list[list[int]] = []
    for s, e in spans_sorted:
        if merged and s - merged[-1][1] <= bridge:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    t, v = [0], [0.0]
    for s, e in merged:
        for pos, val in ((s - attack, 0.0), (s, 1.0), (e, 1.0), (e + release, 0.0)):
            t.append(max(t[-1] + 1, pos))
            v.append(val)
    starts = [s if s is not None else (seg_starts[k - 1] if k else 0) for k, s in enumerate(seg_starts)]
    for k in range(1, len(starts)):
        starts[k] = max(starts[k], starts[k - 1])  # type: ignore[type-var]
    return Timeline(
        rate=rate,
        total=total,
        items=sorted(items, key=lambda it: it.start),
        beds=beds,
        duck_t=np.array(t, dtype=np.float64),
        duck_v=np.array(v, dtype=np.float64),
        seg_starts=[int(s or 0) for s in starts],
        jingle_spans=spans,
    )


def _all_used(values: list[str]) -> str | None:
    """Every distinct value, most used first: "vi, vi-vn-x-central" for a Q&A segment."""
    return ", ".join(v for v, _ in Counter(values).most_common()) if values else None


def manifest_segments(plan: ProgrammePlan, tl: Timeline, duration: float) -> list[ManifestSegment]:
    """One `speech` entry per script segment (contiguous, = chapters) plus `jingle` entries."""
    rate = tl.rate
    per_seg: dict[int, list[Clip]] = {}
    for ev in plan.events:
        if ev.kind == "speech" and ev.clip is not None:
            per_seg.setdefault(ev.segment, []).append(ev.clip)
    out: list[ManifestSegment] = []
    starts = tl.seg_starts
    for k, title in enumerate(plan.segments):
        start = starts[k] / rate
        end = starts[k + 1] / rate if k + 1 < len(starts) else duration
        clips = per_seg.get(k, [])
        out.append(
            ManifestSegment(
                title=title,
                kind="speech",
                start_s=round(start, 3),
                end_s=round(max(start, min(end, duration)), 3),
                engine=_all_used([str(c.engine) for c in clips]),
                voice=_all_used([str(c.voice) for c in clips]),
            )
        )
    for name, s, e, src in tl.jingle_spans:
        out.append(
            ManifestSegment(
                title=jingles_mod.NAMES_VI.get(name, name),
                kind="jingle",
                start_s=round(s / rate, 3),
                end_s=round(min(e / rate, duration), 3),
                engine="builtin" if src.builtin else "station",
                voice=src.path.name,
            )
        )
    out.sort(key=lambda s: (s.start_s, s.kind != "speech"))
    return out
