"""What the web console shows of a network (province scale): each member's result for a month.

The same files `broadcast network status` reads; the run itself is `make_network`, the use case
behind `broadcast network make`. No Django here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from broadcast.config import validate_month
from broadcast.errors import ConfigError
from broadcast.network.config import load_network
from broadcast.network.coordinator import make_network
from broadcast.network.layout import NetworkStore
from broadcast.network.models import JobResult, NetworkSettings
from broadcast.network.progress import STATUS_VI, collect, count_line

__all__ = ["NetworkMonth", "NetworkRow", "bundle_file", "make_network", "network_month"]


@dataclass(frozen=True)
class NetworkRow:
    result: JobResult
    name: str
    """The member's station name (from network.yaml, or the result once produced)."""
    label: str
    """The status in Vietnamese."""
    has_bundle: bool


@dataclass(frozen=True)
class NetworkMonth:
    settings: NetworkSettings
    month: str
    rows: list[NetworkRow]
    count: str
    """`Xong 7/12 đài (lỗi 1, chờ duyệt 0), đang làm 2, chờ 3`."""

    @property
    def finished(self) -> bool:
        return all(r.result.final for r in self.rows)

    @property
    def started(self) -> bool:
        """Some member has a result file for the month (a run was asked for)."""
        return any(r.result.status != "queued" or r.result.attempts for r in self.rows)

    def failed(self) -> list[NetworkRow]:
        return [r for r in self.rows if r.result.status == "failed"]


def network_month(network_dir: str | Path, month: str) -> NetworkMonth:
    """Every member of the network and its result for `month` (queued when none yet)."""
    month = validate_month(month)
    net = load_network(network_dir)
    store = NetworkStore(net.root)
    results = collect(net.root, month, [m.slug for m in net.members])
    rows = []
    for member, result in zip(net.members, results, strict=True):
        rows.append(
            NetworkRow(
                result=result,
                name=result.name or str(member.overrides.get("station", {}).get("name") or member.slug),
                label=STATUS_VI.get(result.status, result.status),
                has_bundle=store.bundle_path(month, member.slug).is_file(),
            )
        )
    return NetworkMonth(settings=net, month=month, rows=rows, count=count_line(results))


def bundle_file(network_dir: str | Path, month: str, slug: str) -> Path:
    """A member's delivered ZIP bundle; the slug must be a member's (never a path from the URL)."""
    month = validate_month(month)
    net = load_network(network_dir)
    if slug not in {m.slug for m in net.members}:
        raise ConfigError(f"mạng đài không có đài '{slug[:40]}'.")
    path = NetworkStore(net.root).bundle_path(month, slug)
    if not path.is_file():
        raise ConfigError(f"đài '{slug}' chưa có gói tháng {month}.")
    return path
