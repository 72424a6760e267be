"""Where a network folder keeps its files: the one object that builds network paths.

    network.yaml                      the members and settings (docs/network.md)
    stations/<slug>/                  members built from the template (a station folder each)
    delivery/<month>/<slug>.zip       ZIP bundles, when delivery is "zip"
    <state folder>/tts/               the voice cache all members share
    <state folder>/network/<month>/   one result JSON per member (live count, status, summary)

The state folder is the one a station keeps (asked of `StationStore`), so the network folder
can be shared (a network share) by the coordinator and every worker machine.
"""

from __future__ import annotations

from pathlib import Path

from broadcast.store import StationStore

NETWORK_FILE = "network.yaml"


class NetworkStore:
    """Every path of one network folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self._state = StationStore(self.root)

    @property
    def network_file(self) -> Path:
        return self.root / NETWORK_FILE

    @property
    def members_dir(self) -> Path:
        return self.root / "stations"

    def member_dir(self, slug: str) -> Path:
        """The folder of a member built from the template."""
        return self.members_dir / slug

    @property
    def voice_cache(self) -> Path:
        """The voice cache every member uses (content-addressed: no station in the key)."""
        return self._state.cache_dir("tts")

    def results_dir(self, month: str) -> Path:
        return self._state.state_file("network") / month

    def result_path(self, month: str, slug: str) -> Path:
        return self.results_dir(month) / f"{slug}.json"

    def summary_path(self, month: str, ext: str) -> Path:
        """summary.txt / summary.json of a month's run."""
        return self.results_dir(month) / f"summary.{ext}"

    def bundle_path(self, month: str, slug: str) -> Path:
        return self.root / "delivery" / month / f"{slug}.zip"

    def rel(self, path: str | Path) -> str:
        return self._state.rel(path)

    def inside(self, relpath: str, *, source: Path) -> Path:
        """A path read from network.yaml, refused if it leads out of the network folder."""
        return self._state.inside(relpath, source=source)
