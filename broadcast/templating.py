"""The template sandbox: Jinja2 confined to its folders and limited in time, loops and size.

Staff and stations can edit templates, so rendering must never read a file outside the
station and package template folders (links resolved), run long, or build huge strings.
A violation is a `TemplateLimitError` that the caller turns into a located Vietnamese error.
"""

from __future__ import annotations

import functools
import re
import time
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from broadcast.errors import ScriptError
from broadcast.yamlio import read_text_file


def thousands(value: int) -> str:
    """1000000 -> '1.000.000' (Vietnamese thousands separator) for messages."""
    return f"{value:,}".replace(",", ".")


RENDER_SECONDS = 5.0
"""Wall-clock limit of one rendering (the real templates take well under 0.1 s)."""
MAX_OUTPUT_CHARS = 1_000_000
"""Longest text a template may produce, or any one string it builds (a script is ~15 kB)."""
MAX_ITERATIONS = 1_000_000
"""Loop iterations allowed over one rendering, all loops together."""
MAX_TEMPLATE_BYTES = 500_000
"""Largest template file read."""
_MAX_INT_BITS = 4096
_WIDTH = re.compile(r"(?:%[-+ #0*]*|\{[^{}]*:[^{}]*?)(\d{6,})")
_SIZED_STR_METHODS = {
    "center",
    "ljust",
    "rjust",
    "zfill",
    "expandtabs",
    "format",
    "format_map",
    "replace",
    "join",
}


def _unchanged(path: Path, mtime: float) -> bool:
    """Jinja2's up-to-date check for a template file read at `mtime`."""
    return path.exists() and path.stat().st_mtime == mtime


class TemplateLimitError(Exception):
    """A template went over a rendering limit; render_body reports it with template and line."""


class ConfinedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that reads only regular files inside their allowed folder.

    Each search path comes with the root it must stay in after symlinks are resolved (the
    station folder for the station's templates, the package folder for the built-in ones),
    so a link in templates/ cannot make `{% include %}` read /etc/passwd.
    """

    def __init__(self, paths: list[tuple[Path, Path]]) -> None:
        super().__init__([str(p) for p, _ in paths])
        self.roots = [(Path(p), Path(root).resolve()) for p, root in paths]

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        from jinja2.loaders import split_template_path  # noqa: PLC0415

        pieces = split_template_path(template)
        for folder, root in self.roots:
            candidate = folder.joinpath(*pieces)
            if not (candidate.is_file() or candidate.is_symlink()):
                continue
            resolved = candidate.resolve()
            if not resolved.is_relative_to(root):
                raise ScriptError(
                    f"mẫu '{template}' là liên kết (symlink) trỏ ra ngoài thư mục của đài ({resolved}).",
                    file=candidate,
                    hint="Mẫu riêng phải là tệp thật nằm trong thư mục templates/ của đài; xóa liên "
                    "kết này và chép nội dung mẫu vào đó.",
                )
            text = read_text_file(resolved, error=ScriptError, max_bytes=MAX_TEMPLATE_BYTES, what="tệp mẫu")
            mtime = resolved.stat().st_mtime
            return text, str(candidate), functools.partial(_unchanged, resolved, mtime)
        raise jinja2.TemplateNotFound(template)


class LimitedSandbox(SandboxedEnvironment):
    """Jinja2's sandbox plus limits on time, loop iterations and the size of what is built.

    `**`, `*`, `+`, `%` are intercepted (`9**(9**9)`, `'x'*1000000000`), every for-loop runs
    through a counting iterator (nested `range(100000)` loops), calls and filters check the
    clock. A violation raises TemplateLimitError inside the template, so the error names
    the template file and line.
    """

    intercepted_binops = frozenset({"**", "*", "+", "%", "//", "/"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_clock()

    def start_clock(self) -> None:
        self._deadline = time.monotonic() + RENDER_SECONDS
        self._iterations = 0

    def _tick(self) -> None:
        if time.monotonic() > self._deadline:
            raise TemplateLimitError(
                f"mẫu chạy quá {RENDER_SECONDS:g} giây (vòng lặp hoặc phép tính quá lớn)."
            )

    def _check_size(self, value: Any) -> Any:
        if isinstance(value, (str, list, tuple)) and len(value) > MAX_OUTPUT_CHARS:
            raise TemplateLimitError(
                f"mẫu tạo ra một chuỗi/danh sách quá dài (hơn {thousands(MAX_OUTPUT_CHARS)} phần tử)."
            )
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_INT_BITS:
            raise TemplateLimitError("mẫu tạo ra một con số quá lớn.")
        return value

    def _check_width(self, fmt: Any) -> None:
        if isinstance(fmt, str) and _WIDTH.search(fmt):
            raise TemplateLimitError("mẫu dùng độ rộng định dạng quá lớn (ví dụ %999999d).")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self._tick()
        if operator == "**" and isinstance(left, (int, float)) and isinstance(right, (int, float)):
            if abs(right) > 64 and abs(left) > 1:
                raise TemplateLimitError("mẫu có phép lũy thừa quá lớn.")
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and right > 0
                and left.bit_length() * right > _MAX_INT_BITS
            ):
                raise TemplateLimitError("mẫu có phép lũy thừa quá lớn.")
        elif operator == "*":
            for seq, n in ((left, right), (right, left)):
                if (
                    isinstance(seq, (str, list, tuple))
                    and isinstance(n, int)
                    and len(seq) * n > MAX_OUTPUT_CHARS
                ):
                    raise TemplateLimitError(
                        f"mẫu nhân chuỗi/danh sách ra quá dài (hơn {thousands(MAX_OUTPUT_CHARS)} phần tử)."
                    )
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and left.bit_length() + right.bit_length() > _MAX_INT_BITS
            ):
                raise TemplateLimitError("mẫu tạo ra một con số quá lớn.")
        elif operator == "+":
            if (
                isinstance(left, (str, list, tuple))
                and isinstance(right, (str, list, tuple))
                and len(left) + len(right) > MAX_OUTPUT_CHARS
            ):
                raise TemplateLimitError(f"mẫu nối chuỗi quá dài (hơn {thousands(MAX_OUTPUT_CHARS)} ký tự).")
        elif operator == "%":
            self._check_width(left)
        return self._check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        __self._tick()
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format on access
        owner = getattr(method, "__self__", None)
        if isinstance(owner, str) and getattr(method, "__name__", "") in _SIZED_STR_METHODS:
            __self._check_sized_str(owner, method.__name__, args, kwargs)
        return __self._check_size(super().call(__context, __obj, *args, **kwargs))

    def _check_sized_str(self, owner: str, name: str, args: tuple, kwargs: dict) -> None:
        values = list(args) + list(kwargs.values())
        if name in ("format", "format_map"):
            self._check_width(owner)
        for v in values:
            if isinstance(v, int) and not isinstance(v, bool) and v > MAX_OUTPUT_CHARS:
                raise TemplateLimitError(
                    f"mẫu tạo ra chuỗi quá dài (hơn {thousands(MAX_OUTPUT_CHARS)} ký tự)."
                )
        if (
            name == "replace"
            and len(values) >= 2
            and isinstance(values[1], str)
            and (len(owner) + 1) * max(1, len(values[1])) > MAX_OUTPUT_CHARS
        ):
            raise TemplateLimitError(
                f"mẫu thay thế chữ ra chuỗi quá dài (hơn {thousands(MAX_OUTPUT_CHARS)} ký tự)."
            )

    def check_size(self, value: Any) -> Any:
        """Every `~` concatenation goes through this (see _parse)."""
        self._tick()
        return self._check_size(value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        self._tick()
        return super().getattr(obj, attribute)

    def budget_iter(self, iterable: Any) -> Any:
        """Every for-loop iterates through this: counts iterations and checks the clock."""
        self._tick()
        for item in iterable:
            self._iterations += 1
            if self._iterations > MAX_ITERATIONS:
                raise TemplateLimitError(
                    f"mẫu lặp quá {thousands(MAX_ITERATIONS)} lần (vòng lặp lồng nhau quá lớn)."
                )
            if self._iterations % 1000 == 0:
                self._tick()
            yield item

    def _parse(self, source: str, name: str | None, filename: str | None) -> Any:
        from jinja2 import nodes  # noqa: PLC0415

        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(
                nodes.EnvironmentAttribute("budget_iter", lineno=loop.lineno),
                [loop.iter],
                [],
                None,
                None,
                lineno=loop.lineno,
            )
        for concat in list(tree.find_all(nodes.Concat)):
            # Wrap a copy: `~` results are checked for size as they are built.
            inner = nodes.Concat(concat.nodes, lineno=concat.lineno)
            concat.nodes = [
                nodes.Call(
                    nodes.EnvironmentAttribute("check_size", lineno=concat.lineno),
                    [inner],
                    [],
                    None,
                    None,
                    lineno=concat.lineno,
                )
            ]
        tree.set_environment(self)
        return tree


def limited_filter(env: LimitedSandbox, func: Any) -> Any:
    """A built-in filter wrapped with the sandbox's clock and size checks (filters bypass call)."""

    # The parameters, not the value filtered (`{{ 2000000|default(0) }}` is fine): after the
    # value, and after the context/environment Jinja passes first to some filters.
    first_param = 2 if hasattr(func, "jinja_pass_arg") else 1

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        env._tick()
        for v in list(args[first_param:]) + list(kwargs.values()):
            if isinstance(v, int) and not isinstance(v, bool) and v > MAX_OUTPUT_CHARS:
                raise TemplateLimitError(f"mẫu dùng bộ lọc với số quá lớn ({thousands(v)}).")
        if func.__name__ == "do_format" and args:
            env._check_width(args[0])
        return env._check_size(func(*args, **kwargs))

    return wrapper
