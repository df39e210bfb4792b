"""Swap a finished export folder into place in one step.

An export is a set of files that belong together (data files, configs, a card with their hashes).
It is written into a new sibling folder `.<name>.ftcurate-new-<pid>-<n>` beside the output folder;
files the user keeps there (anything that is not an export file) are hard-linked into it (copied
where links are impossible); then the two folders are exchanged with one `renameat2(RENAME_EXCHANGE)`
call (Linux) and the old set is deleted. A kill at any point leaves the output folder holding either
the complete old set or the complete new set.

Where an atomic exchange is not available (other systems, some network file systems) the old folder
is renamed aside (`.<name>.ftcurate-old-...`) and the new one renamed in; if a kill lands between the
two renames, the next export puts the old folder back before it starts (`recover`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import os
import shutil
from pathlib import Path

from ftcurate.core.errors import UserError

NEW_TAG = ".ftcurate-new-"
OLD_TAG = ".ftcurate-old-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_counter = itertools.count()


def _sibling(outdir: Path, tag: str) -> Path:
    return outdir.parent / f".{outdir.name}{tag}{os.getpid()}-{next(_counter)}"


def _pid_alive(name: str, tag: str) -> bool:
    try:
        pid = int(name.split(tag, 1)[1].split("-", 1)[0])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(outdir: Path) -> None:
    """Tidy up after a killed export: restore an old folder left aside, delete abandoned new ones."""
    outdir = Path(os.path.abspath(outdir))
    parent = outdir.parent
    if not parent.is_dir():
        return
    prefix = f".{outdir.name}"
    for entry in sorted(parent.iterdir()):
        name = entry.name
        if not name.startswith(prefix) or not entry.is_dir():
            continue
        rest = name[len(prefix):]
        if rest.startswith(OLD_TAG) and not _pid_alive(rest, OLD_TAG):
            if not outdir.exists():
                os.rename(entry, outdir)
            else:
                shutil.rmtree(entry, ignore_errors=True)
        elif rest.startswith(NEW_TAG) and not _pid_alive(rest, NEW_TAG):
            shutil.rmtree(entry, ignore_errors=True)


def new_folder(outdir: Path) -> Path:
    """Create the empty sibling folder the new set is written into.

    Raises:
        UserError: the folder that holds `outdir` cannot be written.
    """
    outdir = Path(os.path.abspath(outdir))
    try:
        outdir.parent.mkdir(parents=True, exist_ok=True)
        path = _sibling(outdir, NEW_TAG)
        path.mkdir()
    except OSError as exc:
        raise UserError(f"cannot write the export beside this folder ({exc.strerror or exc}); the folder "
                        "that holds it must be writable, because the new files are written next to it and "
                        "swapped in at once", path=outdir) from None
    if outdir.is_dir():
        try:
            os.chmod(path, outdir.stat().st_mode & 0o7777)
        except OSError:
            pass
    return path


def carry_over(old: Path, new: Path, names: list[str]) -> None:
    """Link (or copy) the entries `names` of `old` into `new`: files the user keeps beside the export."""
    for name in names:
        src, dst = old / name, new / name
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        elif src.is_dir():
            shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
        elif src.exists():
            _link_or_copy(str(src), str(dst))


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2). False where the call is unavailable."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(new: Path, outdir: Path) -> None:
    """Make `new` the output folder; the previous one (if any) is deleted afterwards."""
    outdir = Path(os.path.abspath(outdir))
    if not outdir.exists():
        os.rename(new, outdir)
        return
    if _exchange(new, outdir):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old set
        return
    aside = _sibling(outdir, OLD_TAG)
    os.rename(outdir, aside)
    os.rename(new, outdir)
    shutil.rmtree(aside, ignore_errors=True)
