"""Read and validate network.yaml; every error names the file, the line and the field (Vietnamese)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from broadcast.errors import ConfigError
from broadcast.network.layout import NetworkStore
from broadcast.network.models import MemberSpec, NetworkSettings, RetryPolicy
from broadcast.yamlio import Located, load_yaml

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_NETWORK_KEYS = ("name", "template", "delivery", "auto_approve", "workers", "broker", "retries")
#: Member keys → (station.yaml section, key); slots/airing/facts/folder are handled apart.
_OVERRIDES = {
    "name": ("station", "name"),
    "slug": ("station", "slug"),
    "level": ("station", "level"),
    "locality": ("station", "locality"),
    "authority": ("station", "authority"),
    "province": ("station", "province"),
    "hotline": ("contacts", "hotline"),
    "address": ("contacts", "address"),
    "email": ("contacts", "email"),
    "one_stop": ("contacts", "one_stop"),
}
_MEMBER_KEYS = (*_OVERRIDES, "folder", "slots", "airing", "facts")
_DELIVERY = ("folder", "zip")


def load_network(directory: str | Path = ".") -> NetworkSettings:
    """Read `directory/network.yaml` and validate it."""
    store = NetworkStore(directory)
    path = store.network_file
    if not path.is_file():
        raise ConfigError(
            "không tìm thấy tệp network.yaml của mạng đài.",
            file=path,
            hint="Chạy lệnh trong thư mục của mạng đài, hoặc dùng --network THƯ_MỤC (xem docs/network.md).",
        )
    src = load_yaml(path)
    data = src.data if src.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError("tệp phải là một nhóm các mục dạng 'khóa: giá trị'.", file=path, line=1)
    for key in data:
        if key not in ("network", "stations"):
            raise _error(src, f"không có nhóm tên '{key}'.", key, hint="Các nhóm hợp lệ: network, stations.")
    net = data.get("network") or {}
    if not isinstance(net, dict):
        raise _error(src, "phải là một nhóm các mục (name, template, delivery…).", "network")
    for key in net:
        if key not in _NETWORK_KEYS:
            raise _error(
                src,
                f"không có mục tên '{key}'.",
                "network",
                key,
                hint="Các mục hợp lệ: " + ", ".join(_NETWORK_KEYS) + ".",
            )
    name = _text(src, net.get("name") or "Mạng đài truyền thanh", "network", "name")
    delivery = net.get("delivery", "folder")
    if delivery not in _DELIVERY:
        raise _error(
            src,
            f"giá trị '{delivery}' không hợp lệ.",
            "network",
            "delivery",
            hint="Ghi 'folder' (để trong thư mục của đài) hoặc 'zip' (mỗi đài một tệp ZIP).",
        )
    workers = net.get("workers", 2)
    if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= 64:
        raise _error(
            src,
            f"giá trị {workers!r} không hợp lệ.",
            "network",
            "workers",
            hint="Ghi một số nguyên từ 1 đến 64 (số tiến trình làm song song trên máy này).",
        )
    retries = net.get("retries", 3)
    if not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= 20:
        raise _error(
            src,
            f"giá trị {retries!r} không hợp lệ.",
            "network",
            "retries",
            hint="Ghi một số nguyên từ 0 đến 20.",
        )
    auto = net.get("auto_approve", False)
    if not isinstance(auto, bool):
        raise _error(
            src, f"giá trị {auto!r} không hợp lệ.", "network", "auto_approve", hint="Ghi true hoặc false."
        )
    broker = net.get("broker")
    if broker is not None and not (isinstance(broker, str) and broker.startswith(("redis://", "rediss://"))):
        raise _error(
            src,
            f"giá trị {broker!r} không hợp lệ.",
            "network",
            "broker",
            hint="Ghi địa chỉ dạng redis://MÁY:6379/0, hoặc bỏ mục này để chạy trên một máy.",
        )
    template = net.get("template")
    if template is not None:
        folder = store.inside(_text(src, template, "network", "template"), source=path)
        if not (folder / "station.yaml").is_file():
            raise _error(
                src,
                f"thư mục đài mẫu '{template}' không có station.yaml.",
                "network",
                "template",
                hint="Ghi thư mục (trong thư mục mạng đài) của một đài làm mẫu cho các đài thành viên.",
            )
    members = _members(src, store, template is not None)
    return NetworkSettings(
        root=store.root,
        name=name,
        members=members,
        template=template,
        delivery=delivery,
        auto_approve=auto,
        workers=workers,
        broker=broker,
        retry=RetryPolicy(max_retries=retries),
    )


def _members(src: Located, store: NetworkStore, has_template: bool) -> list[MemberSpec]:
    items = src.data.get("stations")
    if not isinstance(items, list) or not items:
        raise _error(
            src,
            "chưa có đài thành viên nào.",
            "stations",
            hint="Liệt kê các đài dưới 'stations:', mỗi đài một dòng '- slug: …' hoặc '- folder: …'.",
        )
    members: list[MemberSpec] = []
    seen: dict[str, int | None] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _error(src, "mỗi đài phải là một nhóm các mục (slug, name, … hoặc folder).", "stations", i)
        for key in item:
            if key not in _MEMBER_KEYS:
                raise _error(
                    src,
                    f"không có mục tên '{key}'.",
                    "stations",
                    i,
                    key,
                    hint="Các mục hợp lệ: " + ", ".join(_MEMBER_KEYS) + ".",
                )
        line = src.line("stations", i)
        folder = item.get("folder")
        if folder is not None:
            rel = _text(src, folder, "stations", i, "folder")
            store.inside(rel, source=src.file)
            slug = item.get("slug") or Path(rel).name
        else:
            if not has_template:
                raise _error(
                    src,
                    "đài này không ghi 'folder' mà mạng chưa có đài mẫu.",
                    "stations",
                    i,
                    hint="Ghi 'folder: THƯ_MỤC_ĐÀI', hoặc ghi 'template: THƯ_MỤC_ĐÀI_MẪU' trong nhóm network.",
                )
            for required in ("slug", "name", "locality"):
                if not item.get(required):
                    raise _error(
                        src,
                        f"thiếu mục '{required}'.",
                        "stations",
                        i,
                        required,
                        hint="Đài dựng từ đài mẫu cần ít nhất slug, name và locality.",
                    )
            slug = item["slug"]
        if not isinstance(slug, str) or not _SLUG.match(slug):
            raise _error(
                src,
                f"tên '{slug}' không hợp lệ.",
                "stations",
                i,
                "slug",
                hint="Chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ 'binh-son'.",
            )
        if slug in seen:
            raise _error(
                src,
                f"tên '{slug}' trùng với đài ở dòng {seen[slug]}.",
                "stations",
                i,
                "slug",
                hint="Mỗi đài một slug riêng.",
            )
        seen[slug] = line
        overrides: dict[str, Any] = {}
        for key, (section, field) in _OVERRIDES.items():
            if key in item:
                overrides.setdefault(section, {})[field] = _text(src, item[key], "stations", i, key)
        if "slots" in item:
            if not isinstance(item["slots"], list):
                raise _error(
                    src, "phải là một danh sách buổi phát (như trong station.yaml).", "stations", i, "slots"
                )
            overrides["slots"] = item["slots"]
        if "airing" in item:
            if not isinstance(item["airing"], dict):
                raise _error(
                    src,
                    "phải là một nhóm các mục (như 'airing' trong station.yaml).",
                    "stations",
                    i,
                    "airing",
                )
            overrides["airing"] = item["airing"]
        if folder is not None and overrides:
            raise _error(
                src,
                "đài có 'folder' dùng station.yaml của chính nó; không ghi đè được.",
                "stations",
                i,
                hint="Sửa station.yaml trong thư mục của đài, hoặc bỏ 'folder' để dựng từ đài mẫu.",
            )
        facts = item.get("facts")
        if facts is not None:
            facts_dir = store.inside(_text(src, facts, "stations", i, "facts"), source=src.file)
            if not facts_dir.is_dir():
                raise _error(
                    src,
                    f"không có thư mục số liệu '{facts}'.",
                    "stations",
                    i,
                    "facts",
                    hint="Ghi thư mục chứa các tệp YYYY-MM.yaml số liệu của đài này.",
                )
        members.append(MemberSpec(slug=slug, folder=folder, overrides=overrides, facts=facts, line=line))
    return members


def _text(src: Located, value: Any, *path: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or str(value).strip() == "":
        raise _error(src, f"giá trị {value!r} không hợp lệ: cần một chuỗi chữ.", *path)
    return str(value).strip()


def _error(src: Located, message: str, *path: Any, hint: str | None = None) -> ConfigError:
    return ConfigError(
        message, file=src.file, line=src.line(*path), field=".".join(str(p) for p in path) or None, hint=hint
    )
