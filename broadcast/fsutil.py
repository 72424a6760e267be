"""Atomic file and folder writes: a failed run never leaves a half-written output."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from broadcast.errors import BroadcastError, ConfigError, EnvironmentProblem

log = logging.getLogger(__name__)

MAX_STATE_BYTES = 50_000_000
"""Largest state file read (.broadcast/*.json, manifest.json, the run history)."""

#: Test hook for the kill campaign (tests/test_killtest.py, tools/killtest.py): with
#: BROADCAST_KILL_AT=NAME (or NAME:N for the N-th time) the process SIGKILLs itself when it
#: reaches the named point, as a power cut or `kill -9` would stop it there.
_KILL_ENV = "BROADCAST_KILL_AT"
_kill_hits: dict[str, int] = {}


def killpoint(name: str) -> None:
    """Die here (SIGKILL) if BROADCAST_KILL_AT names this point; otherwise do nothing."""
    want = os.environ.get(_KILL_ENV)
    if not want:
        return
    point, _, nth = want.partition(":")
    if point != name:
        return
    _kill_hits[name] = _kill_hits.get(name, 0) + 1
    if _kill_hits[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def remove_tree(path: str | Path) -> None:
    """Remove a folder, or only the link if `path` is a symbolic link (never its target)."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path)


def clean_leftovers(folder: str | Path, *, older_than: float | None = None) -> list[Path]:
    """Remove the hidden `.NAME.*.tmp` / `.NAME.old` entries that a killed atomic write left.

    A `.NAME.old` whose NAME is missing (killed between moving the old folder aside and
    renaming the new one in) is the last complete version: it is put back, not removed.

    `older_than` (a time.time() value): only entries last changed before it, so a run still
    working elsewhere keeps its temp folder; None removes all (the caller holds the lock
    every writer of `folder` takes). Returns what was removed.
    """
    folder = Path(folder)
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        if not (p.name.startswith(".") and (p.name.endswith(".tmp") or p.name.endswith(".old"))):
            continue
        try:
            if older_than is not None and p.lstat().st_mtime >= older_than:
                continue
            if p.name.endswith(".old"):
                live = p.with_name(p.name[1:-4])
                if not os.path.lexists(live):
                    os.replace(p, live)
                    continue
            remove_tree(p)
            removed.append(p)
        except OSError:
            continue
    return removed


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _file_mode() -> int:
    """The mode a plain open() would give a new file (mkstemp's 0600 hides it from others)."""
    return 0o666 & ~_umask()


def disk_error(exc: OSError, path: str | Path) -> EnvironmentProblem:
    """A failed write as a Vietnamese EnvironmentProblem (exit 2) naming the file and the cause."""
    where = exc.filename or path
    if exc.errno == errno.ENOSPC or exc.errno == getattr(errno, "EDQUOT", -1):
        return EnvironmentProblem(
            "ổ đĩa đầy, không ghi được.", file=where, hint="Giải phóng dung lượng ổ đĩa rồi chạy lại."
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return EnvironmentProblem(
            "không có quyền ghi.",
            file=where,
            hint="Kiểm tra quyền ghi thư mục của đài, và tệp không bị mở/khóa bởi chương trình khác.",
        )
    if exc.errno == errno.EROFS:
        return EnvironmentProblem(
            "ổ đĩa chỉ cho đọc, không ghi được.", file=where, hint="Chọn thư mục đài trên ổ ghi được."
        )
    return EnvironmentProblem(
        f"không ghi được ({exc.strerror or exc}).",
        file=where,
        hint="Kiểm tra ổ đĩa và quyền ghi rồi chạy lại.",
    )


def inside(
    root: str | Path,
    relpath: str | Path,
    *,
    source: str | Path,
    base: str | Path | None = None,
    error: type[BroadcastError] = ConfigError,
) -> Path:
    """`relpath` (read from the file `source`) resolved under `base` (default `root`).

    Symlinks are resolved first; anything that lands outside `root` (an absolute path, `..`,
    a link leading out) raises `error` naming `source`, so no file the station did not make
    can be read, linked or played through a state or data file. Returns the resolved path.
    """
    root_resolved = Path(root).resolve()
    text = str(relpath)
    problem = None
    if not text.strip() or "\x00" in text:
        problem = "đường dẫn rỗng hoặc có ký tự không hợp lệ"
    else:
        try:
            target = (Path(base) if base is not None else Path(root)).joinpath(text).resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a name too long
            problem = f"đường dẫn không dùng được ({exc})"
        else:
            if target == root_resolved or target.is_relative_to(root_resolved):
                return target
            problem = "đường dẫn trỏ ra ngoài thư mục được phép"
    shown = text if len(text) <= 200 else text[:200] + "…"
    raise error(
        f"{problem}: '{shown}' (chỉ được dùng tệp trong {root}).",
        file=source,
        hint="Tệp này chỉ được nhắc tới tệp nằm trong thư mục của đài, không qua liên kết "
        "(symlink) ra ngoài. Nếu đây là tệp do chương trình tự tạo, xóa nó rồi chạy lại lệnh.",
    )


def read_state_bytes(path: str | Path, *, max_bytes: int = MAX_STATE_BYTES) -> bytes | None:
    """The bytes of a state file the tool wrote, or None if missing or unusable (logged).

    Refuses (None, with a warning) what is not a regular file (a FIFO would hang the read)
    and anything over `max_bytes`. For files whose loss costs nothing but a rebuild.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("không đọc được tệp trạng thái %s (%s); coi như chưa có", path, exc.strerror or exc)
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            log.warning("tệp trạng thái %s không phải tệp thường hoặc quá lớn; coi như chưa có", path)
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(max_bytes)
    except OSError as exc:
        log.warning("không đọc được tệp trạng thái %s (%s); coi như chưa có", path, exc.strerror or exc)
        return None
    finally:
        os.close(fd)


def read_state_json(path: str | Path, *, warn: bool = True) -> object | None:
    """A JSON state file, or None if it is missing or damaged (garbage, bad UTF-8, deep nesting).

    A damaged file is logged as a warning and treated as absent: callers rebuild what it held.
    """
    data = read_state_bytes(path)
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        if warn:
            log.warning("tệp trạng thái %s hỏng, coi như chưa có (%s)", path, str(exc)[:200])
        return None


def read_jsonl(path: str | Path) -> list[dict]:
    """The records (JSON objects) of a JSON-lines log; damaged lines are skipped with a warning.

    A line cut by a kill, invalid UTF-8 or a line that is not an object never stops the reader.
    """
    data = read_state_bytes(path)
    if data is None:
        return []
    out: list[dict] = []
    bad = 0
    for raw in data.splitlines():
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            bad += 1
            continue
        if isinstance(record, dict):
            out.append(record)
        else:
            bad += 1
    if bad:  # usually the last line of a killed run: worth a note in the log, not a warning
        log.info("bỏ qua %d dòng hỏng trong %s", bad, path)
    return out


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` through a temp file in the same folder and a rename."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise disk_error(exc, path) from exc
    try:
        os.chmod(tmp, _file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        killpoint("write-before-rename")
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise disk_error(exc, path) from exc
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 text atomically (LF line endings)."""
    atomic_write_bytes(path, text.encode("utf-8"))


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp path next to `path`; on success rename it over `path`.

    For writers that need a file name (ffmpeg, mutagen): they write the temp path, and
    only a complete file ever appears under the final name.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        tmp_path.chmod(_file_mode())
    except OSError as exc:
        raise disk_error(exc, path) from exc
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except OSError as exc:
        raise disk_error(exc, path) from exc
    finally:
        tmp_path.unlink(missing_ok=True)


@contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temp folder next to `path`; on success it replaces `path` whole.

    The old folder (if any) is moved aside first and removed only after the new one is in
    place, so at every moment `path` is either the old complete folder or the new one.
    A symbolic link at `path` (or a `.NAME.old` link a killed run left) is replaced as a link:
    its target is never followed, emptied or removed.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.old")
        if not os.path.lexists(path) and os.path.lexists(aside):
            os.replace(aside, path)  # a run killed mid-swap: the last complete version back first
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as exc:
        raise disk_error(exc, path) from exc
    # mkdtemp makes the folder 0700; give it the permissions a plain mkdir would have, so
    # operators on other accounts or a network share can read it.
    tmp.chmod(0o777 & ~_umask())
    try:
        yield tmp
        killpoint("dir-before-swap")
        old = None
        if os.path.lexists(path):
            old = path.with_name(f".{path.name}.old")
            remove_tree(old)
            os.replace(path, old)
            killpoint("dir-old-aside")
        try:
            os.replace(tmp, path)
        except OSError:
            if old is not None:
                os.replace(old, path)  # put the previous complete folder back
            raise
        killpoint("dir-after-swap")
        if old is not None:
            try:
                remove_tree(old)
            except OSError:
                pass
    except OSError as exc:
        raise disk_error(exc, path) from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
