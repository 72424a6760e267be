"""Helpers for the safety tests: run the real CLI in process, and fail a hang instead of waiting."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


class Hang(Exception):
    """The command did not finish within the hang guard's limit."""


@contextmanager
def hang_guard(seconds: int = 30) -> Iterator[None]:
    """Raise Hang if the block runs longer than `seconds` (a hang detector, not a speed test)."""

    def on_alarm(signum, frame):  # noqa: ARG001
        raise Hang(f"no result after {seconds} s: the command hangs")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def cli(args: list[str], capsys, seconds: int = 30) -> tuple[int, str, str]:
    """`broadcast ARGS` in process: (exit code, stdout, stderr); any traceback propagates."""
    from broadcast.cli import main

    capsys.readouterr()
    code = 0
    with hang_guard(seconds):
        try:
            main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
