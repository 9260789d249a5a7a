"""The curated sources under ``ontology/``: which files there are, which named graph each
fills, and parsing them with errors that name the file and line.

Every Turtle file becomes one named graph, so a query can ask where a triple
came from (``GRAPH ?g``) and a rebuild replaces a file's triples whole:

==================================  ===========================================
``ontology/skillkg.ttl``            ``graph/ontology``
``ontology/shapes.ttl``             (not loaded: SHACL shapes, used by validation)
``ontology/vocab/NAME.ttl``         ``graph/vocab/NAME``
``ontology/partnerships/KEY.ttl``   ``graph/partnerships/KEY``
==================================  ===========================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from skillkg import iris

if TYPE_CHECKING:
    from skillkg.store import Store


@dataclass(frozen=True)
class SourceFile:
    """One Turtle file under ``ontology/`` and the named graph it loads into."""

    path: Path
    graph: str
    section: str  # "ontology", "vocab" or "partnerships"


class SourceError(ValueError):
    """A source file is unreadable or malformed.

    ``path``, ``line`` and ``column`` say where; the message says what to do.
    """

    def __init__(self, path: Path, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = str(path)
        if line:
            where += f":{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


def discover(ontology_dir: Path) -> list[SourceFile]:
    """List the Turtle files of ``ontology_dir`` in load order (ontology, vocab, records)."""
    files: list[SourceFile] = []
    main = ontology_dir / "skillkg.ttl"
    if not main.is_file():
        raise SourceError(main, "the ontology file is missing; is this a skillkg folder?")
    files.append(SourceFile(main, iris.graph("ontology"), "ontology"))
    for section in ("vocab", "partnerships"):
        folder = ontology_dir / section
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.ttl")):
            files.append(SourceFile(path, iris.graph(f"{section}/{path.stem}"), section))
    return files


def read_turtle(path: Path) -> bytes:
    """Read and parse ``path`` as Turtle; return its bytes, or raise :class:`SourceError`.

    The whole file is parsed, so a file that returns has no syntax error.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, f"cannot read the file: {exc.strerror}") from exc
    if b"\x00" in data:
        raise SourceError(path, "the file is binary, not Turtle text")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(path, "the file is not UTF-8; save it as UTF-8", line) from exc
    try:
        for _ in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=iris.ID):
            pass
    except SyntaxError as exc:
        message = str(exc)
        raise SourceError(
            path,
            f"Turtle syntax error: {message}. Fix the file, then run `skillkg validate`.",
            exc.lineno,
            exc.offset,
        ) from exc
    return data


def triples(path: Path) -> list[ox.Triple]:
    """Parse ``path`` (Turtle) into pyoxigraph triples, raising :class:`SourceError` if bad."""
    data = read_turtle(path)
    return list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=iris.ID))


def load(store: Store, sources: list[SourceFile],
         on_file: Callable[[SourceFile], None] | None = None) -> None:
    """Parse each of ``sources`` (from :func:`discover`) into its own named graph of ``store``.

    Each file is checked before its graph is replaced (:func:`read_turtle`), so a bad file
    raises :class:`SourceError` and leaves its graph as it was.  ``on_file`` is called after
    each file is loaded.
    """
    for source in sources:
        store.replace_graph(source.graph, read_turtle(source.path), "turtle")
        if on_file is not None:
            on_file(source)
