"""YAML reading that remembers line numbers, so errors can name the line to fix."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from broadcast.errors import ConfigError

log = logging.getLogger(__name__)

Key = tuple  # a path into the document: ("slots", 0, "start")


@dataclass
class Located:
    """A parsed YAML document plus the line (1-based) of every key and item in it."""

    data: Any
    file: Path
    lines: dict[Key, int] = field(default_factory=dict)
    raw: dict[Key, str] = field(default_factory=dict)
    """The scalar text as written in the file (e.g. `6:00` before YAML made it 360)."""

    def line(self, *path: Any) -> int | None:
        """Line of the deepest known prefix of `path` (a missing key: its parent's line)."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)


def _walk(node: yaml.Node, path: Key, lines: dict[Key, int], raw: dict[Key, str]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines, raw)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines, raw)
    elif isinstance(node, yaml.ScalarNode):
        raw[path] = node.value


def load_yaml(path: str | Path, *, text: str | None = None) -> Located:
    """Parse a YAML file safely; a syntax error becomes a ConfigError with its line."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError("không tìm thấy tệp.", file=path) from None
        except UnicodeDecodeError:
            raise ConfigError(
                "tệp không phải văn bản UTF-8.",
                file=path,
                hint="Lưu lại tệp với bảng mã UTF-8 (trong Notepad: Save As… > Encoding: UTF-8).",
            ) from None
        except IsADirectoryError:
            raise ConfigError("đây là một thư mục, không phải tệp YAML.", file=path) from None
        except OSError as exc:
            raise ConfigError(
                f"không đọc được tệp ({exc.strerror or exc}).",
                file=path,
                hint="Kiểm tra quyền đọc tệp (tệp có đang mở ở chương trình khác không?).",
            ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        log.debug("YAML error in %s: %s", path, exc)
        raise ConfigError(
            "sai cách viết (cú pháp YAML) ở dòng này hoặc dòng ngay trên.",
            file=path,
            line=mark.line + 1 if mark else None,
            hint="Kiểm tra dấu hai chấm sau tên mục, thụt lề bằng dấu cách (không dùng Tab), "
            "và đóng đủ dấu ngoặc kép, ngoặc vuông.",
        ) from None
    except yaml.YAMLError as exc:  # e.g. ReaderError: a control character pasted into the file
        raise ConfigError(
            f"tệp có ký tự không hợp lệ, không đọc được ({exc}).",
            file=path,
            line=text.count("\n", 0, getattr(exc, "position", 0) or 0) + 1 if getattr(exc, "position", None) is not None else None,
            hint="Xóa ký tự lạ (thường do dán từ Word/Excel) rồi lưu lại tệp dạng UTF-8.",
        ) from None
    lines: dict[Key, int] = {}
    raw: dict[Key, str] = {}
    if node is not None:
        _walk(node, (), lines, raw)
    return Located(data=data, file=path, lines=lines, raw=raw)


def deep_merge(base: Any, override: Any) -> Any:
    """Merge `override` over `base`: mappings merge key by key, everything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = deep_merge(base.get(k), v) if k in base else v
        return out
    return override
