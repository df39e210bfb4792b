"""Errors the CLI and GUI show to a person.

`UserError` is a problem with the user's input (a file, an option, a project): the CLI prints its
one-line message and exits 1. Anything else is an internal error (exit 2).
"""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """A problem a person can fix. `str()` is one readable line naming the file and line/row."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None,
                 row: int | None = None) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.row = row
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f", line {self.line}"
            elif self.row is not None:
                where += f", row {self.row}"
            where += ": "
        return f"{where}{self.message}"


class ProjectError(UserError):
    """The project file cannot be opened or written (corrupt, newer version, not a project)."""


class ProjectBusyError(ProjectError):
    """Another process holds the project's write lock for longer than the busy timeout."""

    MESSAGE = "project is busy: another ftcurate process is writing to it; try again"

    def __init__(self, message: str = MESSAGE, *, path: str | Path | None = None) -> None:
        super().__init__(message, path=path)


class ConfigError(UserError):
    """Invalid configuration: unknown check, unknown entity, invalid regex, bad option value."""


class Cancelled(Exception):
    """Raised by core work when its progress object reports cancellation. Nothing is written."""
