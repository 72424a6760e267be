"""Playout: air each scheduled airing at its slot time, log what aired, never leave dead air.

Layout (self-contained so it can be re-pointed at a station store later):
`models` (dataclasses), `settings` (the `playout:` section of station.yaml), `asrun` (the
SQLite as-run log), `backends` (mpv / ffmpeg behind one interface), `player` (the service).
Nothing here imports libmpv until a backend is constructed.
"""
