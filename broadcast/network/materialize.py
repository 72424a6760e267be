"""Build or update each member's station folder from the network's template and its overrides.

A member built from the template gets stations/<slug>/ with the template's station.yaml
(its overrides merged in), lexicon, templates, topics, jingles and facts, then the member's
own facts folder on top. Files are rewritten only when their content changes, atomically,
so a re-run leaves finished members alone. Members with their own `folder:` are used as
they are.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from broadcast.fsutil import atomic_write_bytes
from broadcast.network.layout import NetworkStore
from broadcast.network.models import MemberSpec, NetworkSettings
from broadcast.store import StationStore
from broadcast.yamlio import deep_merge, load_yaml

_HEADER = (
    "# Tệp này được dựng tự động từ đài mẫu và network.yaml của mạng đài.\n"
    "# Đừng sửa ở đây: sửa network.yaml (hoặc station.yaml của đài mẫu) rồi chạy lại.\n"
)


def member_dir(net: NetworkSettings, member: MemberSpec) -> Path:
    """The member's station folder (its own, or the one built under stations/)."""
    store = NetworkStore(net.root)
    if member.folder is not None:
        return store.inside(member.folder, source=store.network_file)
    return store.member_dir(member.slug)


def materialize(net: NetworkSettings) -> dict[str, Path]:
    """Build/update every member built from the template; the folder of every member, by slug."""
    store = NetworkStore(net.root)
    folders: dict[str, Path] = {}
    template = StationStore(store.inside(net.template, source=store.network_file)) if net.template else None
    for member in net.members:
        folder = member_dir(net, member)
        if member.folder is None and template is not None:
            _build(template, StationStore(folder), member, store)
        folders[member.slug] = folder
    return folders


def _build(template: StationStore, target: StationStore, member: MemberSpec, store: NetworkStore) -> None:
    data = load_yaml(template.station_file).data or {}
    merged = deep_merge(data, {k: v for k, v in member.overrides.items() if k != "slots"})
    if "slots" in member.overrides:
        merged["slots"] = member.overrides["slots"]
    text = _HEADER + yaml.safe_dump(merged, allow_unicode=True, sort_keys=False)
    _put(target.station_file, text.encode("utf-8"))
    if template.lexicon_path.is_file():
        _put(target.lexicon_path, template.lexicon_path.read_bytes())
    for src_dir, dst_dir in (
        (template.templates_dir, target.templates_dir),
        (template.topics_dir, target.topics_dir),
        (template.jingles_dir, target.jingles_dir),
        (template.facts_dir, target.facts_dir),
    ):
        _copy_tree(src_dir, dst_dir)
    if member.facts is not None:
        _copy_tree(store.inside(member.facts, source=store.network_file), target.facts_dir)


def _copy_tree(src: Path, dst: Path) -> None:
    """Copy the regular files of `src` into `dst` (links are not followed)."""
    if not src.is_dir():
        return
    for path in sorted(src.rglob("*")):
        if path.is_file() and not path.is_symlink():
            _put(dst / path.relative_to(src), path.read_bytes())


def _put(path: Path, data: bytes) -> None:
    """Write `data` unless the file already holds exactly it."""
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
