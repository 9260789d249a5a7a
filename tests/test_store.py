"""The Store interface: the same answers from every embedded backend."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from skillkg import iris
from skillkg.store import AskResult, GraphResult, QuerySyntaxError, SelectResult, Store

DATA = """
@prefix skg: <https://w3id.org/skillkg/ontology#> .
<https://w3id.org/skillkg/id/partnership/a> a skg:Partnership ;
    skg:originCountry <https://w3id.org/skillkg/id/country/PHL> ;
    skg:startYear 2013 .
<https://w3id.org/skillkg/id/partnership/b> a skg:Partnership ;
    skg:originCountry <https://w3id.org/skillkg/id/country/MAR> .
"""
G = iris.graph("partnerships/test")


@pytest.fixture(params=["memory", "oxigraph", "remote"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "memory":
        s = Store.memory()
    elif request.param == "oxigraph":
        s = Store.open(tmp_path / "store")
    else:
        url = request.getfixturevalue("oxigraph_server")
        s = Store.remote(url + "/query")
        for g in s.graphs():
            s.drop_graph(g)
    s.replace_graph(G, DATA)
    return s


def test_select_sees_named_graphs_through_the_union_default_graph(store: Store) -> None:
    result = store.select(
        "SELECT ?p WHERE { ?p a <https://w3id.org/skillkg/ontology#Partnership> } ORDER BY ?p"
    )
    assert isinstance(result, SelectResult)
    assert result.values("p") == [iris.individual("partnership", "a"),
                                  iris.individual("partnership", "b")]


def test_bindings_put_values_in_without_pasting_text(store: Store) -> None:
    q = "SELECT ?p WHERE { ?p <https://w3id.org/skillkg/ontology#originCountry> ?c }"
    rows = store.select(q, {"c": iris.country("MAR")})
    assert rows.values("p") == [iris.individual("partnership", "b")]
    # a hostile literal is just a literal: it matches nothing and breaks nothing
    assert len(store.select(q, {"c": ox.Literal("x } ; DROP ALL ; {")})) == 0


def test_ask_construct_and_counts(store: Store) -> None:
    assert store.ask("ASK { ?s <https://w3id.org/skillkg/ontology#startYear> 2013 }")
    g = store.construct("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c }")
    assert isinstance(g, GraphResult) and len(g) == 2
    assert store.count(G) == 5
    assert store.counts() == {G: 5}
    assert isinstance(store.query("ASK { }"), AskResult)


def test_limit_truncates_and_says_so(store: Store) -> None:
    result = store.query("SELECT * WHERE { ?s ?p ?o }", limit=2)
    assert isinstance(result, SelectResult)
    assert len(result) == 2 and result.truncated


def test_bad_data_leaves_the_graph_as_it_was(store: Store) -> None:
    with pytest.raises(SyntaxError):  # parsed locally, before anything is removed or sent
        store.replace_graph(G, "<a> <b> .")
    assert store.count(G) == 5


def test_syntax_errors_are_reported_as_such(store: Store) -> None:
    with pytest.raises(QuerySyntaxError):
        store.query("SELEC ?x WHERE {}")


def test_replace_and_drop_graph(store: Store) -> None:
    store.replace_graph(G, "<urn:a> <urn:b> <urn:c> .", "ntriples")
    assert store.count(G) == 1
    store.drop_graph(G)
    assert store.graphs() == []


def test_disk_store_persists_and_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "s"
    s = Store.open(path)
    s.replace_graph(G, DATA)
    s.close()
    del s
    ro = Store.open(path, read_only=True)
    assert ro.count() == 5


def test_a_variable_bound_to_several_values_matches_any(store: Store) -> None:
    q = "SELECT ?p WHERE { ?p <https://w3id.org/skillkg/ontology#originCountry> ?c } ORDER BY ?p"
    rows = store.select(q, {"c": [iris.country("MAR"), iris.country("PHL")]})
    assert len(rows) == 2
