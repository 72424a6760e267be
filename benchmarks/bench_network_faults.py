"""Seconds to degrade: each network fault of tests/faultservers.py against each online engine.

For every fault (no answer, reset, 429, garbage, drip) and engine (gtts, edge-tts) it voices
N sentences with the chain [online engine, espeak-ng] and prints how long the whole run took,
how many requests reached the server and which engine read. The settings are the station
defaults (timeout_s 6, request_deadline_s 20, network_budget_s 600) unless given.

Run: .venv/bin/python benchmarks/bench_network_faults.py [--sentences 20] [--timeout 6]
     [--deadline 20] [--drip 1.0]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from conftest import make_station  # noqa: E402
from faultservers import FAULTS, FaultServer  # noqa: E402

from broadcast.config import load_station  # noqa: E402
from broadcast.voice import VoiceRequest, synthesize  # noqa: E402


def run(engine: str, fault: str, args: argparse.Namespace) -> tuple[float, int, str]:
    with FaultServer(fault, drip_s=args.drip, drip_max_s=600) as srv, tempfile.TemporaryDirectory() as tmp:
        online = (
            {"engine": "gtts", "url": srv.url}
            if engine == "gtts"
            else {"engine": "edge-tts", "url": srv.ws_url}
        )
        make_station(
            Path(tmp),
            voice={
                "main": [online, {"engine": "espeak-ng", "voice": "vi"}],
                "second": [],
                "fallback": True,
                "timeout_s": args.timeout,
                "request_deadline_s": args.deadline,
            },
        )
        st = load_station(tmp)
        requests = [
            VoiceRequest(f"Đây là câu số {i} của chuyên mục cải cách hành chính.")
            for i in range(args.sentences)
        ]
        start = time.monotonic()
        result = synthesize(requests, st)
        elapsed = time.monotonic() - start
        used = ", ".join(f"{k} {v}" for k, v in result.engines.items())
        return elapsed, srv.requests, used + (" (degraded)" if result.degraded else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=6.0, help="voice.timeout_s")
    ap.add_argument("--deadline", type=float, default=20.0, help="voice.request_deadline_s")
    ap.add_argument("--drip", type=float, default=1.0, help="seconds between dripped bytes")
    ap.add_argument("--engines", default="gtts,edge-tts")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(
        f"{args.sentences} sentences, timeout_s {args.timeout:g}, request_deadline_s {args.deadline:g}, "
        f"drip 1 byte / {args.drip:g} s\n"
    )
    print("| engine | fault | seconds to degrade | requests served | clips by engine |")
    print("|---|---|---|---|---|")
    for engine in args.engines.split(","):
        if engine == "edge-tts":
            try:
                import edge_tts  # noqa: F401, PLC0415
            except ImportError:
                print("| edge-tts | - | not installed | | |")
                continue
        for fault in FAULTS:
            elapsed, served, used = run(engine, fault, args)
            print(f"| {engine} | {fault} | {elapsed:.2f} | {served} | {used} |", flush=True)


if __name__ == "__main__":
    main()
