"""Progress reporting: what long work (build, ingest) tells its caller as it goes.

The CLI passes a reporter that shows rich progress bars; library callers pass nothing and
get :class:`Silent`.
"""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    """Receives progress: a stage starts (with its number of steps), a step ends, a note."""

    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, detail: str = "") -> None: ...

    def note(self, message: str) -> None: ...


class Silent:
    """A reporter that shows nothing."""

    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, detail: str = "") -> None:
        pass

    def note(self, message: str) -> None:
        pass
