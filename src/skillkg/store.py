"""The store: one class in front of every backend skillkg can query.

Three backends sit behind :class:`Store`:

* ``oxigraph`` — an embedded Oxigraph database on disk (the default);
* ``memory`` — an embedded Oxigraph database in memory (tests, scratch work);
* ``remote`` — any SPARQL 1.1 endpoint over HTTP (Oxigraph server, Fuseki,
  Virtuoso, GraphDB): queries through the SPARQL 1.1 Protocol, loading through
  the Graph Store HTTP Protocol, for graphs that outgrow one machine.

Every backend answers with the same Python objects: :class:`SelectResult`,
:class:`AskResult` or :class:`GraphResult`, whose terms are pyoxigraph terms.
The default graph is the union of all named graphs, so a query sees
ontology, vocabularies, records, passages and inferences at once, and
``GRAPH`` reaches one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as TypingLiteral
from typing import Protocol

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Value = str | int | float | bool | Term

#: RDF formats by short name, as used on the command line and in the API.
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


class StoreError(RuntimeError):
    """A store could not be opened, read or written; the message says which and why."""


class QuerySyntaxError(ValueError):
    """The SPARQL text is not valid; the message carries the parser's position."""


@dataclass(frozen=True)
class SelectResult:
    """The answer to a ``SELECT`` query: variable names and rows of terms (``None`` if unbound)."""

    variables: list[str]
    rows: list[tuple[Term | None, ...]]
    truncated: bool = False
    kind: TypingLiteral["select"] = "select"

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple[Term | None, ...]]:
        return iter(self.rows)

    def dicts(self) -> list[dict[str, Term]]:
        """Rows as dictionaries from variable name to term, leaving out unbound variables."""
        return [
            {v: t for v, t in zip(self.variables, row, strict=True) if t is not None}
            for row in self.rows
        ]

    def values(self, variable: str) -> list[str]:
        """The lexical values bound to ``variable``, row by row (unbound rows left out)."""
        i = self.variables.index(variable)
        return [row[i].value for row in self.rows if row[i] is not None]


@dataclass(frozen=True)
class AskResult:
    """The answer to an ``ASK`` query."""

    value: bool
    kind: TypingLiteral["ask"] = "ask"

    def __bool__(self) -> bool:
        return self.value


@dataclass(frozen=True)
class GraphResult:
    """The answer to a ``CONSTRUCT`` or ``DESCRIBE`` query: a list of triples."""

    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False
    kind: TypingLiteral["graph"] = "graph"

    def __len__(self) -> int:
        return len(self.triples)

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self.triples)


QueryResult = SelectResult | AskResult | GraphResult


def parse_term(text: str) -> Term:
    """Parse one term in N-Triples syntax (``<iri>``, ``"lit"@en``, ``_:b``)."""
    triples = list(
        ox.parse(f"<urn:s> <urn:p> {text} .", format=ox.RdfFormat.N_TRIPLES)
    )
    return triples[0].object


def term(value: str | int | float | bool | Term) -> Term:
    """Make a term: IRIs from ``str`` starting with ``http(s)://`` or ``urn:``, literals otherwise."""
    if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal):
        return value
    if isinstance(value, str) and re.match(r"^(https?://|urn:)", value):
        return ox.NamedNode(value)
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#boolean"))
    return ox.Literal(value) if isinstance(value, str) else ox.Literal(str(value), datatype=(
        ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer") if isinstance(value, int)
        else ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")))


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_FORM = re.compile(r"\b(SELECT|ASK|DESCRIBE)\b[^{]*\{", re.IGNORECASE)


def inject_values(sparql: str, bindings: Mapping[str, Term | Sequence[Term]]) -> str:
    """Bind variables by adding ``VALUES`` blocks at the start of the ``WHERE`` group.

    A variable bound to a sequence of terms gets one row per term (any of them);
    several variables are independent (their combinations).  The terms are
    written by pyoxigraph in N-Triples syntax, so no user text can change the
    query's structure.  This works the same on every backend: the values join
    inside the group, before ``LIMIT`` and ``ORDER BY``.
    """
    if not bindings:
        return sparql
    match = _WHERE.search(sparql) or _FORM.search(sparql)
    if match is None:
        raise QuerySyntaxError("cannot bind variables: the query has no WHERE group")
    blocks = []
    for name, value in bindings.items():
        values = value if isinstance(value, list | tuple) else [value]
        blocks.append(f"VALUES ?{name} {{ {' '.join(str(t) for t in values)} }}")
    return sparql[: match.end()] + " " + " ".join(blocks) + " " + sparql[match.end():]


class Backend(Protocol):
    """What a backend implements; :class:`Store` adds the conveniences on top."""

    name: str

    def query(
        self, sparql: str, bindings: Mapping[str, Term | Sequence[Term]], limit: int | None
    ) -> QueryResult: ...

    def update(self, sparql: str) -> None: ...

    def replace_graph(self, graph: str, data: bytes, fmt: ox.RdfFormat) -> None: ...

    def drop_graph(self, graph: str) -> None: ...

    def graphs(self) -> list[str]: ...

    def close(self) -> None: ...


def _materialise(result: object, limit: int | None) -> QueryResult:
    if isinstance(result, ox.QueryBoolean):
        return AskResult(bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows: list[tuple[Term | None, ...]] = []
        truncated = False
        for solution in result:
            if limit is not None and len(rows) >= limit:
                truncated = True
                break
            rows.append(tuple(solution[i] for i in range(len(variables))))
        return SelectResult(variables, rows, truncated)
    triples: list[ox.Triple] = []
    truncated = False
    for t in result:  # QueryTriples
        if limit is not None and len(triples) >= limit:
            truncated = True
            break
        triples.append(t)
    return GraphResult(triples, truncated)


class OxigraphBackend:
    """Embedded Oxigraph, on disk (``path``) or in memory (``path=None``)."""

    def __init__(self, path: Path | None = None, read_only: bool = False) -> None:
        self.path = path
        self.name = "memory" if path is None else "oxigraph"
        try:
            if path is None:
                self.store = ox.Store()
            elif read_only:
                self.store = ox.Store.read_only(str(path))
            else:
                self.store = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(
                f"cannot open the Oxigraph store at {path}: {exc}. "
                "Is another process writing to it? Run `skillkg build` to create one."
            ) from exc

    def query(self, sparql: str, bindings: Mapping[str, Term | Sequence[Term]],
              limit: int | None) -> QueryResult:
        try:
            result = self.store.query(
                inject_values(sparql, bindings), use_default_graph_as_union=True
            )
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        return _materialise(result, limit)

    def update(self, sparql: str) -> None:
        try:
            self.store.update(sparql)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def replace_graph(self, graph: str, data: bytes, fmt: ox.RdfFormat) -> None:
        g = ox.NamedNode(graph)
        # Parse first, so that bad data leaves the graph as it was.
        quads = [ox.Quad(t.subject, t.predicate, t.object, g) for t in ox.parse(data, format=fmt)]
        if self.store.contains_named_graph(g):
            self.store.remove_graph(g)
        self.store.add_graph(g)
        self.store.extend(quads)

    def drop_graph(self, graph: str) -> None:
        g = ox.NamedNode(graph)
        if self.store.contains_named_graph(g):
            self.store.remove_graph(g)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def close(self) -> None:
        if self.path is not None and self.name == "oxigraph":
            try:
                self.store.flush()
            except (OSError, RuntimeError):
                pass  # read-only stores cannot flush (pyoxigraph raises RuntimeError)


class Store:
    """A SPARQL store with one interface over embedded and remote backends.

    Open one with :meth:`open` (Oxigraph on disk), :meth:`memory` or
    :meth:`remote`; or :meth:`from_location` with a location string as the
    CLI and configuration take it (a path, ``memory:``, or an ``http(s)://``
    endpoint URL).
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    # -- opening -------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, read_only: bool = False) -> Store:
        """Open (or create) an Oxigraph store in the directory ``path``."""
        return cls(OxigraphBackend(Path(path), read_only=read_only))

    @classmethod
    def memory(cls) -> Store:
        """A fresh in-memory store."""
        return cls(OxigraphBackend(None))

    @classmethod
    def remote(
        cls,
        query_endpoint: str,
        update_endpoint: str | None = None,
        graph_store_endpoint: str | None = None,
        timeout: float = 60.0,
        auth: tuple[str, str] | None = None,
    ) -> Store:
        """A remote SPARQL 1.1 endpoint; see :mod:`skillkg.remote`."""
        from skillkg.remote import RemoteBackend

        return cls(
            RemoteBackend(query_endpoint, update_endpoint, graph_store_endpoint, timeout, auth)
        )

    @classmethod
    def from_location(cls, location: str, read_only: bool = False) -> Store:
        """Open a store from a location string: a directory, ``memory:`` or an endpoint URL.

        For an endpoint URL (the SPARQL query endpoint), servers whose update and Graph
        Store endpoints are not at Oxigraph's ``…/update`` and ``…/store`` are described
        by ``$SKILLKG_STORE_UPDATE`` and ``$SKILLKG_STORE_GRAPH_STORE``; HTTP basic
        credentials come from ``$SKILLKG_STORE_USER`` and ``$SKILLKG_STORE_PASSWORD``.
        """
        if location == "memory:":
            return cls.memory()
        if location.startswith(("http://", "https://")):
            import os

            user = os.environ.get("SKILLKG_STORE_USER")
            auth = (user, os.environ.get("SKILLKG_STORE_PASSWORD", "")) if user else None
            return cls.remote(location,
                              update_endpoint=os.environ.get("SKILLKG_STORE_UPDATE") or None,
                              graph_store_endpoint=os.environ.get("SKILLKG_STORE_GRAPH_STORE")
                              or None,
                              auth=auth)
        return cls.open(location, read_only=read_only)

    @property
    def kind(self) -> str:
        """The backend's name: ``oxigraph``, ``memory`` or ``remote``."""
        return self.backend.name

    # -- reading ---------------------------------------------------------------
    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Value | Sequence[Value]] | None = None,
        limit: int | None = None,
    ) -> QueryResult:
        """Run a SPARQL query over the union of all graphs.

        ``bindings`` pre-binds variables (by name, without ``?``) to terms, the
        safe way to put user input into a query: values are never pasted into
        the query text.  ``limit`` caps the rows or triples kept (the result
        says ``truncated``).
        """
        bound: dict[str, Term | list[Term]] = {
            k.lstrip("?$"): [term(x) for x in v] if isinstance(v, list | tuple) else term(v)
            for k, v in (bindings or {}).items()
        }
        return self.backend.query(sparql, bound, limit)

    def select(
        self, sparql: str, bindings: Mapping[str, Value | Sequence[Value]] | None = None
    ) -> SelectResult:
        """Run a ``SELECT`` query; raise ``ValueError`` if the query is of another form."""
        result = self.query(sparql, bindings)
        if not isinstance(result, SelectResult):
            raise ValueError("select() needs a SELECT query")
        return result

    def ask(self, sparql: str, bindings: Mapping[str, str | Term] | None = None) -> bool:
        """Run an ``ASK`` query."""
        result = self.query(sparql, bindings)
        if not isinstance(result, AskResult):
            raise ValueError("ask() needs an ASK query")
        return result.value

    def construct(self, sparql: str, bindings: Mapping[str, str | Term] | None = None) -> GraphResult:
        """Run a ``CONSTRUCT`` or ``DESCRIBE`` query."""
        result = self.query(sparql, bindings)
        if not isinstance(result, GraphResult):
            raise ValueError("construct() needs a CONSTRUCT or DESCRIBE query")
        return result

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        return self.backend.graphs()

    def count(self, graph: str | None = None) -> int:
        """The number of triples in ``graph``, or in all named graphs together."""
        if graph is None:
            q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
            rows = self.select(q).rows
        else:
            q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
            rows = self.select(q, {"g": ox.NamedNode(graph)}).rows
        return int(rows[0][0].value) if rows and rows[0][0] is not None else 0

    def counts(self) -> dict[str, int]:
        """Triples per named graph."""
        rows = self.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        )
        return {r[0].value: int(r[1].value) for r in rows.rows if r[0] is not None}

    # -- writing ---------------------------------------------------------------
    def replace_graph(self, graph: str, data: bytes | str | Iterable[ox.Triple],
                      fmt: str = "turtle") -> None:
        """Replace the content of the named graph ``graph`` with ``data``.

        ``data`` is serialized RDF in ``fmt`` (a key of :data:`RDF_FORMATS`) or
        an iterable of pyoxigraph triples.  The data is parsed before anything
        is removed, so bad data raises and leaves the graph as it was.
        """
        if isinstance(data, bytes | str):
            raw = data.encode() if isinstance(data, str) else data
            rdf_format = RDF_FORMATS[fmt]
        else:
            raw = ox.serialize(list(data), format=ox.RdfFormat.N_TRIPLES) or b""
            rdf_format = ox.RdfFormat.N_TRIPLES
        self.backend.replace_graph(graph, raw, rdf_format)

    def replace_graph_from_rdflib(self, graph: str, rdflib_graph: object) -> None:
        """Replace ``graph`` with the triples of an :class:`rdflib.Graph`."""
        data = rdflib_graph.serialize(format="nt", encoding="utf-8")  # type: ignore[attr-defined]
        self.backend.replace_graph(graph, data, ox.RdfFormat.N_TRIPLES)

    def drop_graph(self, graph: str) -> None:
        """Remove the named graph ``graph`` if it exists."""
        self.backend.drop_graph(graph)

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update (used by skillkg's own build steps, never for user input)."""
        self.backend.update(sparql)

    def close(self) -> None:
        """Flush and release the backend."""
        self.backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
