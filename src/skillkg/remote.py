"""The remote backend: any SPARQL 1.1 endpoint over HTTP.

Queries go through the SPARQL 1.1 Protocol (``POST`` with
``application/sparql-query``), updates through the SPARQL 1.1 Update protocol,
and whole graphs through the SPARQL 1.1 Graph Store HTTP Protocol (``PUT`` /
``DELETE`` with ``?graph=``).  Tested against the Oxigraph server; the same
protocol is spoken by Apache Jena Fuseki, Virtuoso and GraphDB, whose endpoint
URLs are shown in the README.

Remote stores differ in one respect: the default graph.  skillkg queries
expect the default graph to be the union of the named graphs; Oxigraph server
does that with ``--union-default-graph``, Fuseki with
``tdb2:unionDefaultGraph true``, GraphDB and Virtuoso do it out of the box.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx
import pyoxigraph as ox

from skillkg.store import (
    QueryResult,
    QuerySyntaxError,
    StoreError,
    Term,
    _materialise,
    inject_values,
)

_RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
_ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9, "
    "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
)


class RemoteBackend:
    """A SPARQL 1.1 endpoint reached over HTTP."""

    name = "remote"

    def __init__(
        self,
        query_endpoint: str,
        update_endpoint: str | None = None,
        graph_store_endpoint: str | None = None,
        timeout: float = 60.0,
        auth: tuple[str, str] | None = None,
    ) -> None:
        self.query_endpoint = query_endpoint
        base = query_endpoint.rsplit("/", 1)[0]
        self.update_endpoint = update_endpoint or base + "/update"
        self.graph_store_endpoint = graph_store_endpoint or base + "/store"
        self.client = httpx.Client(timeout=timeout, auth=auth)

    def _check(self, response: httpx.Response, what: str) -> None:
        if response.status_code == 400:
            raise QuerySyntaxError(f"{what} rejected by {response.url}: {response.text[:500]}")
        if response.status_code >= 300:
            raise StoreError(
                f"{what} failed at {response.url}: HTTP {response.status_code} "
                f"{response.text[:500]}"
            )

    def query(self, sparql: str, bindings: Mapping[str, Term | Sequence[Term]],
              limit: int | None) -> QueryResult:
        text = inject_values(sparql, bindings)
        try:
            response = self.client.post(
                self.query_endpoint,
                content=text.encode("utf-8"),
                headers={"Content-Type": "application/sparql-query", "Accept": _ACCEPT},
            )
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the SPARQL endpoint {self.query_endpoint}: {exc}") from exc
        self._check(response, "query")
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if media in _RESULT_FORMATS:
            parsed = ox.parse_query_results(response.content, format=_RESULT_FORMATS[media])
            return _materialise(parsed, limit)
        if media in _GRAPH_FORMATS:
            triples = ox.parse(response.content, format=_GRAPH_FORMATS[media])
            return _materialise((ox.Triple(t.subject, t.predicate, t.object) for t in triples),
                                limit)
        raise StoreError(
            f"the endpoint {self.query_endpoint} answered with unsupported type {media!r}"
        )

    def update(self, sparql: str) -> None:
        try:
            response = self.client.post(
                self.update_endpoint,
                content=sparql.encode("utf-8"),
                headers={"Content-Type": "application/sparql-update"},
            )
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach {self.update_endpoint}: {exc}") from exc
        self._check(response, "update")

    def replace_graph(self, graph: str, data: bytes, fmt: ox.RdfFormat) -> None:
        # Parse locally first, so bad data never reaches the server.
        triples = list(ox.parse(data, format=fmt))
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        try:
            response = self.client.put(
                self.graph_store_endpoint,
                params={"graph": graph},
                content=body,
                headers={"Content-Type": "application/n-triples"},
            )
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach {self.graph_store_endpoint}: {exc}") from exc
        self._check(response, f"loading graph {graph}")

    def drop_graph(self, graph: str) -> None:
        try:
            response = self.client.delete(self.graph_store_endpoint, params={"graph": graph})
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach {self.graph_store_endpoint}: {exc}") from exc
        if response.status_code != 404:
            self._check(response, f"dropping graph {graph}")

    def graphs(self) -> list[str]:
        result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", {}, None)
        return sorted(row[0].value for row in result.rows)  # type: ignore[union-attr]

    def close(self) -> None:
        self.client.close()
