"""Where things are: the project folder, build outputs, and settings from the environment.

Settings are read from environment variables so that the CLI, the API and
the tests agree without passing paths around:

============================  ==================================================
``SKILLKG_HOME``              the project folder holding ``ontology/`` and
                              ``ingest/sources/`` (default: found from the
                              current directory upwards, then the source tree)
``SKILLKG_VAR``               the build output folder (default ``$SKILLKG_HOME/var``)
``SKILLKG_STORE``             the store to query: a directory, ``memory:`` or a
                              SPARQL endpoint URL (default: the current build)
``SKILLKG_EMBED_MODEL``       sentence-transformers model name or path
``SKILLKG_SPACY_FR``          spaCy pipeline for French (default ``fr_core_news_sm``)
``SKILLKG_SPACY_EN``          spaCy pipeline for English (default: blank ``en``)
============================  ==================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_MARKER = Path("ontology") / "skillkg.ttl"


class ConfigError(RuntimeError):
    """A setting points somewhere unusable; the message names the setting."""


def project_root() -> Path:
    """The project folder: ``$SKILLKG_HOME``, else the nearest parent holding ontology/skillkg.ttl."""
    env = os.environ.get("SKILLKG_HOME")
    if env:
        root = Path(env).expanduser().resolve()
        if not (root / _MARKER).is_file():
            raise ConfigError(f"SKILLKG_HOME={env} has no {_MARKER}; point it at the skillkg folder")
        return root
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / _MARKER).is_file():
            return candidate
    source_tree = Path(__file__).resolve().parents[2]
    if (source_tree / _MARKER).is_file():
        return source_tree
    raise ConfigError(
        f"cannot find {_MARKER} from {here}; run skillkg inside the project folder "
        "or set SKILLKG_HOME"
    )


@dataclass(frozen=True)
class Paths:
    """The folders skillkg reads from and writes to."""

    root: Path
    var: Path

    @property
    def ontology(self) -> Path:
        return self.root / "ontology"

    @property
    def sources(self) -> Path:
        """Policy documents ingested by ``skillkg build``."""
        return self.root / "ingest" / "sources"

    @property
    def queries(self) -> Path:
        return self.root / "queries"

    @property
    def current(self) -> Path:
        """The link to the last good build (swapped atomically by ``skillkg build``)."""
        return self.var / "current"

    @property
    def store(self) -> Path:
        """The Oxigraph store of the last good build."""
        return self.current / "store"

    @property
    def index(self) -> Path:
        """The search indexes of the last good build."""
        return self.current / "index"


def paths() -> Paths:
    """Resolve :class:`Paths` from the environment."""
    root = project_root()
    var = Path(os.environ.get("SKILLKG_VAR", root / "var")).expanduser().resolve()
    return Paths(root=root, var=var)


def store_location() -> str:
    """The store to query: ``$SKILLKG_STORE`` or the current build's Oxigraph directory."""
    return os.environ.get("SKILLKG_STORE") or str(paths().store)
