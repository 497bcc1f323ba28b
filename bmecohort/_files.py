"""Writing files safely: to a temporary file beside the target, renamed into place.

Every writer of the package goes through :func:`atomic_write` (or the two one-line helpers
built on it), so an interruption (an error, Ctrl-C, SIGTERM) leaves either the old file or
the new one, never half of one, and no temporary file behind. :func:`check_not_input`
refuses an output path that is one of the inputs.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write", "check_not_input", "write_bytes", "write_text"]


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb", *,
                 encoding: str | None = None, newline: str | None = None,
                 overwrite: bool = True) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it to ``path`` when the block succeeds.

    Parameters
    ----------
    path : str or path-like
        The file to write. Its folder must exist.
    mode : {"wb", "w"}, default="wb"
        Binary or text.
    encoding, newline : str or None
        Passed to :func:`open` in text mode (``encoding`` defaults to UTF-8).
    overwrite : bool, default=True
        When False, a :class:`FileExistsError` is raised if ``path`` exists (checked before
        and again just before the rename).

    Yields
    ------
    file object
        Write to it; it is flushed, synced and renamed on a clean exit of the block and
        removed on any exception (including KeyboardInterrupt).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = pathlib.Path(folder) / "a.txt"
    ...     with atomic_write(target, "w") as handle:
    ...         _ = handle.write("hello")
    ...     target.read_text(), sorted(p.name for p in pathlib.Path(folder).iterdir())
    ('hello', ['a.txt'])
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder; give a file name")
    if not overwrite and target.exists():
        raise FileExistsError(f"{target} exists")
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                     dir=target.parent if str(target.parent) else ".")
    try:
        if mode == "w":
            handle: IO[Any] = os.fdopen(fd, "w", encoding=encoding or "utf-8", newline=newline)
        else:
            handle = os.fdopen(fd, "wb")
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if not overwrite and target.exists():
            raise FileExistsError(f"{target} exists")
        with contextlib.suppress(OSError):  # mkstemp's 0600 -> what open() would give
            os.chmod(temporary, target.stat().st_mode & 0o7777 if target.exists()
                     else 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`atomic_write`); return the path."""
    with atomic_write(path, "wb", overwrite=overwrite) as handle:
        handle.write(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8",
               newline: str | None = None, overwrite: bool = True) -> Path:
    """Write ``text`` to ``path`` atomically (:func:`atomic_write`); return the path."""
    with atomic_write(path, "w", encoding=encoding, newline=newline,
                      overwrite=overwrite) as handle:
        handle.write(text)
    return Path(path)


def check_not_input(output: str | os.PathLike[str],
                    inputs: Iterable[str | os.PathLike[str] | None], *,
                    what: str = "output") -> None:
    """Raise :class:`~bmecohort.exceptions.OutputPathError` (a ValueError) when ``output``
    is, or is inside, one of ``inputs``.

    ``inputs`` are files or folders (a folder's files are all inputs); missing paths and
    None are ignored. Paths are compared after resolving links, so ``./data/../data/x.csv``
    and a symbolic link to an input are caught too.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     data = pathlib.Path(folder)
    ...     check_not_input(data.parent / "report.pdf", [data])  # fine: returns None
    ...     check_not_input(data / "visits.csv", [data])
    Traceback (most recent call last):
    ...
    bmecohort.exceptions.OutputPathError: output ... is inside the input folder ...; write it elsewhere
    """
    from .exceptions import OutputPathError

    out = Path(output)
    resolved = out.resolve()
    for item in inputs:
        if item is None:
            continue
        source = Path(item)
        if not source.exists():
            continue
        real = source.resolve()
        if resolved == real:
            raise OutputPathError(f"{what} {out.as_posix()} is the input {source.as_posix()}; "
                             f"write it elsewhere")
        if real.is_dir() and real in resolved.parents:
            raise OutputPathError(f"{what} {out.as_posix()} is inside the input folder "
                             f"{source.as_posix()}; write it elsewhere")
