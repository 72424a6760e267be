"""YAML reading that remembers line numbers, so errors can name the line to fix.

Every YAML file the package reads goes through `load_yaml` (or `compose_yaml` for readers
that work on nodes): it refuses what is not a regular file (a FIFO would hang the read),
files over `MAX_BYTES`, nesting deeper than `MAX_DEPTH`, alias expansion ("billion laughs")
over `MAX_NODES`, aliases that refer to themselves, integers longer than `MAX_INT_DIGITS`
and lone surrogates. Each refusal is a Vietnamese error naming the file and the line.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from broadcast.errors import BroadcastError, ConfigError

log = logging.getLogger(__name__)

Key = tuple  # a path into the document: ("slots", 0, "start")

MAX_BYTES = 2_000_000
"""Largest YAML file read (the biggest real one, a topic, is ~12 kB)."""
MAX_DEPTH = 64
"""Deepest nesting of lists/mappings (real files nest 4 levels)."""
MAX_NODES = 200_000
"""Most nodes a document may have once aliases are expanded."""
MAX_INT_DIGITS = 30
"""Longest integer literal (a 5000-digit integer is refused before Python's int limit)."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_INT_TAG = "tag:yaml.org,2002:int"


def _n(value: int) -> str:
    """12000 -> '12.000' (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


class _Limit(Exception):
    """A document exceeds a limit; carries a Vietnamese reason and a mark."""

    def __init__(self, reason: str, mark: Any = None, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.mark = mark
        self.hint = hint


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader with a nesting limit while composing (the composer recurses)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Limit(
                    f"nội dung lồng nhau quá sâu (hơn {MAX_DEPTH} cấp).",
                    self.peek_event().start_mark,
                    "Kiểm tra các dấu ngoặc [ ] { } có đóng đủ và thụt lề có đúng không.",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: Any) -> Any:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise _Limit(
                f"có số quá dài ({digits} chữ số).",
                node.start_mark,
                "Kiểm tra lại con số; nếu đây là chữ, đặt nó trong ngoặc kép.",
            )
        return super().construct_yaml_int(node)


_SafeLoader.add_constructor(_INT_TAG, _SafeLoader.construct_yaml_int)


def _check_graph(root: yaml.Node) -> None:
    """Refuse recursive aliases, too many expanded nodes, and lone surrogates."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _Limit(
                "có tham chiếu (alias *) trỏ vào chính nó.",
                node.start_mark,
                "Bỏ các dấu & và * trong tệp, viết thẳng giá trị ra.",
            )
        if isinstance(node, yaml.ScalarNode):
            if _SURROGATE.search(node.value):
                raise _Limit(
                    "có ký tự Unicode hỏng (nửa cặp surrogate, ví dụ \\ud800).",
                    node.start_mark,
                    "Xóa ký tự lạ hoặc mã \\uD800–\\uDFFF khỏi tệp.",
                )
            sizes[key] = 1
            return 1
        active.add(key)
        children = node.value if isinstance(node, yaml.SequenceNode) else [n for kv in node.value for n in kv]
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_NODES:
                raise _Limit(
                    f"nội dung quá lớn khi mở rộng các tham chiếu (alias *): hơn {_n(MAX_NODES)} mục.",
                    node.start_mark,
                    "Bỏ các dấu & và * trong tệp, viết thẳng giá trị ra.",
                )
        active.discard(key)
        sizes[key] = total
        return total

    size(root)


def read_text_file(
    path: Path, *, error: type[BroadcastError] = ConfigError, max_bytes: int = MAX_BYTES, what: str = "tệp"
) -> str:
    """Read a user-editable text file as UTF-8, refusing non-regular and over-large files.

    The file is opened non-blocking and checked with fstat before reading, so a FIFO or a
    device named like a station file is an error instead of a hang.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(f"không tìm thấy {what}.", file=path) from None
    except IsADirectoryError:
        raise error(f"đây là một thư mục, không phải {what}.", file=path) from None
    except OSError as exc:
        raise error(
            f"không đọc được {what} ({exc.strerror or exc}).",
            file=path,
            hint="Kiểm tra quyền đọc tệp (tệp có đang mở ở chương trình khác không?).",
        ) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise error(f"đây là một thư mục, không phải {what}.", file=path)
        if not stat.S_ISREG(st.st_mode):
            raise error(
                "không phải một tệp thường (có thể là ống dẫn/thiết bị), không đọc.",
                file=path,
                hint="Thay bằng một tệp văn bản bình thường.",
            )
        if st.st_size > max_bytes:
            raise error(
                f"{what} quá lớn ({_n(st.st_size)} byte, tối đa {_n(max_bytes)}).",
                file=path,
                hint="Kiểm tra xem có dán nhầm nội dung khác vào tệp không.",
            )
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"không đọc được {what} ({exc.strerror or exc}).", file=path) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise error(f"{what} quá lớn (tối đa {_n(max_bytes)} byte).", file=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{what} không phải văn bản UTF-8.",
            file=path,
            line=line,
            hint="Lưu lại tệp với bảng mã UTF-8 (trong Notepad: Save As… > Encoding: UTF-8).",
        ) from None


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
            if not isinstance(key, str):
                continue  # a list or mapping used as a key: no line to remember for it
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines, raw)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines, raw)
    elif isinstance(node, yaml.ScalarNode):
        raw[path] = node.value


def _parse(
    text: str, path: Path, error: type[BroadcastError], line_offset: int, construct: bool
) -> tuple[yaml.Node | None, Any]:
    """Compose (and construct) one document within the limits; errors name file and line."""
    loader = None
    try:
        loader = _SafeLoader(text)
        node = loader.get_single_node()
        if node is not None:
            _check_graph(node)
        data = loader.construct_document(node) if (construct and node is not None) else None
        return node, data
    except _Limit as exc:
        raise error(
            exc.reason,
            file=path,
            line=exc.mark.line + 1 + line_offset if exc.mark is not None else None,
            hint=exc.hint,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        log.debug("YAML error in %s: %s", path, exc)
        raise error(
            _yaml_problem_vi(exc.problem),
            file=path,
            line=mark.line + 1 + line_offset if mark else None,
            hint="Kiểm tra dấu hai chấm sau tên mục, thụt lề bằng dấu cách (không dùng Tab), "
            "và đóng đủ dấu ngoặc kép, ngoặc vuông.",
        ) from None
    except yaml.YAMLError as exc:  # e.g. ReaderError: a control character pasted into the file
        position = getattr(exc, "position", None)
        raise error(
            "tệp có ký tự không hợp lệ (ký tự điều khiển hoặc ký tự NUL), không đọc được.",
            file=path,
            line=text.count("\n", 0, position) + 1 + line_offset if position is not None else None,
            hint="Xóa ký tự lạ (thường do dán từ Word/Excel) rồi lưu lại tệp dạng UTF-8.",
        ) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # A value YAML accepts but Python cannot build (e.g. a date 2026-13-45, an unhashable key).
        raise error(
            f"có giá trị không đọc được ({exc}).",
            file=path,
            line=1 + line_offset,
            hint="Kiểm tra các ngày tháng (YYYY-MM-DD) và các con số trong tệp.",
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


_YAML_PROBLEMS_VI = {
    "mapping values are not allowed here": "có dấu hai chấm ở giữa một giá trị",
    "could not find expected ':'": "thiếu dấu hai chấm sau tên mục",
    "found character '\\t' that cannot start any token": "có ký tự Tab (thụt lề phải bằng dấu cách)",
    "found unexpected end of stream": "thiếu dấu ngoặc kép đóng",
}


def _yaml_problem_vi(problem: str | None) -> str:
    """PyYAML's English problem as a Vietnamese sentence (staff never see PyYAML's words)."""
    text = "sai cách viết (cú pháp YAML) ở dòng này hoặc dòng ngay trên"
    phrase = _YAML_PROBLEMS_VI.get((problem or "").strip())
    return f"{text}: {phrase}." if phrase else f"{text}."


def compose_yaml(
    path: str | Path, *, text: str | None = None, error: type[BroadcastError] = ConfigError
) -> yaml.Node | None:
    """The node tree of a YAML file (for readers that need marks), within the same limits."""
    path = Path(path)
    if text is None:
        text = read_text_file(path, error=error)
    return _parse(text, path, error, 0, construct=False)[0]


def load_yaml(
    path: str | Path,
    *,
    text: str | None = None,
    error: type[BroadcastError] = ConfigError,
    line_offset: int = 0,
) -> Located:
    """Parse a YAML file safely and within limits; every failure is `error` naming the line.

    `text` parses given text instead of reading `path` (which then only names it in
    messages); `line_offset` is added to line numbers (front matter starts at line 2).
    """
    path = Path(path)
    if text is None:
        text = read_text_file(path, error=error)
    if len(text) > _CACHE_MAX_CHARS:
        data, lines, raw = _parse_located(text, path, error, line_offset)
    else:
        # (classes are hashable; typeshed types type[...] arguments of lru_cache too narrowly)
        data, lines, raw = _parse_located_cached(text, path, error, line_offset)  # type: ignore[arg-type]
    return Located(data=_fresh_copy(data), file=path, lines=dict(lines), raw=dict(raw))


def _parse_located(
    text: str, path: Path, error: type[BroadcastError], line_offset: int
) -> tuple[Any, dict[Key, int], dict[Key, str]]:
    node, data = _parse(text, path, error, line_offset, construct=True)
    lines: dict[Key, int] = {}
    raw: dict[Key, str] = {}
    if node is not None:
        _walk(node, (), lines, raw)
    if line_offset:
        lines = {k: v + line_offset for k, v in lines.items()}
    return data, lines, raw


# Parsing is the console's main cost (every page reads station.yaml, topics, facts, plans: ~6 ms a
# file in pure-Python PyYAML). The cache is keyed by the text itself, so a changed file is parsed
# again at once (a hand edit is seen at the next page load); only successful parses are kept, and
# callers get their own copy of the data to change as they like.
_CACHE_MAX_CHARS = 256 * 1024
_parse_located_cached = functools.lru_cache(maxsize=512)(_parse_located)


def _fresh_copy(value: Any) -> Any:
    """A copy of parsed YAML data (dicts, lists, immutable scalars), faster than deepcopy."""
    if isinstance(value, dict):
        return {k: _fresh_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh_copy(v) for v in value]
    if isinstance(value, set):
        return set(value)
    return value


def deep_merge(base: Any, override: Any) -> Any:
    """Merge `override` over `base`: mappings merge key by key, everything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = deep_merge(base.get(k), v) if k in base else v
        return out
    return override
