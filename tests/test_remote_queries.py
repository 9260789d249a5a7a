"""The remote backend passes the same research-query tests as the embedded store.

The full build's named graphs are loaded into an Oxigraph SPARQL 1.1 server (the
``oxigraph`` PyPI package, on 127.0.0.1, started with ``--union-default-graph``) through
the Graph Store HTTP Protocol (``Store.remote(...).replace_graph``), and queried over the
SPARQL 1.1 Protocol.  Then:

* every ``queries/*.rq`` gives the same rows on the remote store as on the embedded one;
* every test of ``tests/test_research_queries.py`` that checks a query's real answer on
  the embedded store (``built_store``) is run again on the remote store.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

from skillkg.store import SelectResult, Store

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent
QUERIES = TESTS.parent / "queries"


def _research_tests() -> ModuleType:
    spec = importlib.util.spec_from_file_location("skillkg_research_query_tests",
                                                  TESTS / "test_research_queries.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RESEARCH = _research_tests()
#: The research-query tests that take the embedded store, by name.
STORE_TESTS: dict[str, Callable[[Store], None]] = {
    name: fn for name, fn in vars(RESEARCH).items()
    if name.startswith("test_") and list(inspect.signature(fn).parameters) == ["built_store"]
}


@pytest.fixture(scope="module")
def remote_store(built_store: Store, oxigraph_server: str) -> Store:
    """The full build's graphs, loaded graph by graph into the Oxigraph server."""
    remote = Store.remote(oxigraph_server + "/query")
    for graph in remote.graphs():
        remote.drop_graph(graph)
    for graph in built_store.graphs():
        triples = built_store.construct(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph})
        remote.replace_graph(graph, triples.triples)
    return remote


def canonical(result: SelectResult) -> list[tuple[str, ...]]:
    """Rows as sorted tuples of N-Triples terms (blank node labels are per store: masked)."""
    def show(t: object) -> str:
        return "_:b" if isinstance(t, ox.BlankNode) else str(t)

    return sorted(tuple(show(t) for t in row) for row in result.rows)


def test_the_remote_store_holds_the_same_graphs_and_triples(built_store: Store,
                                                            remote_store: Store) -> None:
    assert remote_store.kind == "remote"
    assert remote_store.graphs() == built_store.graphs()
    assert remote_store.counts() == built_store.counts()


@pytest.mark.parametrize("query", sorted(p.name for p in QUERIES.glob("*.rq")))
def test_every_research_query_gives_the_same_rows_remotely(
    query: str, built_store: Store, remote_store: Store
) -> None:
    text = (QUERIES / query).read_text(encoding="utf-8")
    local, remote = built_store.query(text), remote_store.query(text)
    assert isinstance(local, SelectResult) and isinstance(remote, SelectResult)
    assert remote.variables == local.variables
    assert canonical(remote) == canonical(local)


@pytest.mark.parametrize("name", sorted(STORE_TESTS))
def test_the_research_query_tests_pass_on_the_remote_store(name: str,
                                                           remote_store: Store) -> None:
    STORE_TESTS[name](remote_store)


def test_every_research_query_test_is_run_remotely() -> None:
    # the research tests that take the store are the ones checking real answers
    assert len(STORE_TESTS) >= len(list(QUERIES.glob("*.rq")))


def test_a_remote_store_is_named_by_its_query_url_and_optional_endpoints(
    oxigraph_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # how a user points skillkg at their own server: SKILLKG_STORE=<query URL>, plus the
    # update and Graph Store URLs when the server does not use Oxigraph's layout
    monkeypatch.setenv("SKILLKG_STORE_UPDATE", oxigraph_server + "/update")
    monkeypatch.setenv("SKILLKG_STORE_GRAPH_STORE", oxigraph_server + "/store")
    monkeypatch.setenv("SKILLKG_STORE_USER", "reader")
    monkeypatch.setenv("SKILLKG_STORE_PASSWORD", "secret")
    store = Store.from_location(oxigraph_server + "/query")
    backend = store.backend
    assert store.kind == "remote"
    assert backend.graph_store_endpoint == oxigraph_server + "/store"  # type: ignore[attr-defined]
    assert backend.update_endpoint == oxigraph_server + "/update"  # type: ignore[attr-defined]
    assert backend.client.auth is not None  # type: ignore[attr-defined]
    assert store.ask("ASK { }")  # the server ignores credentials it does not ask for
