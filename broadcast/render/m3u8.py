"""Day playlists (.m3u8): UTF-8 without BOM, CRLF line endings (Windows players read them)."""

from __future__ import annotations

from broadcast.models.schedule import PlayItem


def playlist(entries: list[tuple[str, PlayItem]]) -> bytes:
    """The playlist of one slot: (file name inside the day folder, item) in playing order."""
    lines = ["#EXTM3U"]
    for name, item in entries:
        title = item.title.replace("\r", " ").replace("\n", " ")
        lines.append(f"#EXTINF:{int(round(item.duration_s))},{title}")
        lines.append(name)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def listed_files(text: str) -> list[str]:
    """The file entries of a playlist's text, in order (comments and #EXTINF lines skipped).

    Used only to check that the playlist an operator opens lists exactly the scheduled files.
    """
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip().replace("\x00", "")
        if line and not line.startswith("#"):
            out.append(line)
    return out
