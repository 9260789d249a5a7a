"""Settings of the HTTP service: which build it serves and the limits of its SPARQL endpoint.

Every setting has a default, can be set from the environment (so that
``skillkg serve`` and a container agree) and from ``skillkg serve`` options:

=================================  ===============================================  =========
``SKILLKG_SPARQL_TIME_LIMIT``      seconds a query may run before it is stopped     ``30``
``SKILLKG_SPARQL_ROW_LIMIT``       rows (or triples) a query may return             ``10000``
``SKILLKG_SPARQL_WORKERS``         query worker processes                           ``2``
``SKILLKG_SPARQL_SERVICES``        SERVICE endpoints allowed, space-separated IRIs  (none)
``SKILLKG_MAX_BODY``               largest request body accepted, in bytes          ``1000000``
=================================  ===============================================  =========
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from skillkg import config


class SettingsError(ValueError):
    """A setting has a value the service cannot use; the message names the setting."""


#: Defaults of the limits, used by :class:`ApiSettings` and when the environment is silent.
DEFAULT_TIME_LIMIT = 30.0
DEFAULT_ROW_LIMIT = 10_000
DEFAULT_WORKERS = 2
DEFAULT_MAX_BODY = 1_000_000


@dataclass(frozen=True)
class ApiSettings:
    """What the service serves and how far it lets one request go."""

    build_dir: Path
    queries_dir: Path | None = None
    time_limit: float = DEFAULT_TIME_LIMIT
    row_limit: int = DEFAULT_ROW_LIMIT
    workers: int = DEFAULT_WORKERS
    service_allow_list: tuple[str, ...] = field(default_factory=tuple)
    max_body_bytes: int = DEFAULT_MAX_BODY
    #: How long a request waits for a free query worker before it is told to retry.
    queue_wait: float | None = None

    def __post_init__(self) -> None:
        if self.time_limit <= 0:
            raise SettingsError(f"the SPARQL time limit must be positive, not {self.time_limit}")
        if self.row_limit < 1:
            raise SettingsError(f"the SPARQL row limit must be at least 1, not {self.row_limit}")
        if self.workers < 1:
            raise SettingsError(f"at least one SPARQL worker is needed, not {self.workers}")
        if self.max_body_bytes < 1024:
            raise SettingsError(f"the body limit must be at least 1024 bytes, not {self.max_body_bytes}")

    @property
    def store_dir(self) -> Path:
        """The build's Oxigraph store."""
        return self.build_dir / "store"

    @property
    def index_dir(self) -> Path:
        """The build's search indexes."""
        return self.build_dir / "index"


def _env_number(name: str, kind: type[int] | type[float], default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return kind(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not a number; unset it or give a {kind.__name__}") from exc


def settings_from_env(build_dir: Path | None = None, **overrides: object) -> ApiSettings:
    """Settings from the environment, for the current build unless ``build_dir`` is given.

    ``overrides`` (``time_limit=…``, ``row_limit=…``, …) win over the environment;
    ``None`` values are ignored, so CLI options can be passed through as they are.
    """
    try:
        paths = config.paths()
    except config.ConfigError as exc:
        raise SettingsError(str(exc)) from exc
    current = build_dir or paths.current
    if not (current / "store").is_dir():
        raise SettingsError(
            f"no built graph at {current}: run `skillkg build` first (or pass --build PATH)"
        )
    services = tuple(os.environ.get("SKILLKG_SPARQL_SERVICES", "").split())
    values: dict[str, object] = {
        "build_dir": current.resolve(),
        "queries_dir": paths.queries if paths.queries.is_dir() else None,
        "time_limit": float(_env_number("SKILLKG_SPARQL_TIME_LIMIT", float, DEFAULT_TIME_LIMIT)),
        "row_limit": int(_env_number("SKILLKG_SPARQL_ROW_LIMIT", int, DEFAULT_ROW_LIMIT)),
        "workers": int(_env_number("SKILLKG_SPARQL_WORKERS", int, DEFAULT_WORKERS)),
        "service_allow_list": services,
        "max_body_bytes": int(_env_number("SKILLKG_MAX_BODY", int, DEFAULT_MAX_BODY)),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return ApiSettings(**values)  # type: ignore[arg-type]
