"""The API's parts without a server or a build: negotiation, read-only checks, entity pages.

Fast tests of the rules the endpoint applies before a query runs, and of the
entity page's gathering on a small in-memory graph (so that what a page
shows about passages is tested even before document ingest produces any).
"""

from __future__ import annotations

import pytest
from skillkg.api.linked import describe, entity_view, exists, local_path
from skillkg.api.sparql import TABULAR_ACCEPT as TAB
from skillkg.api.sparql import (
    SparqlRequestError,
    choose_formats,
    inspect_query,
    keywords,
    negotiate,
    read_request,
)

from skillkg import iris
from skillkg.store import Store


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "json"),
    ("*/*", "json"),
    ("text/csv", "csv"),
    ("text/csv;q=0.2, application/sparql-results+xml;q=0.9", "xml"),
    ("text/html, application/xhtml+xml, */*;q=0.8", "json"),
    ("text/*", "csv"),
    ("image/png", None),
    ("text/csv;q=0", None),
])
def test_negotiation_follows_q_values_and_wildcards(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept, TAB, "json") == expected


def test_an_explicit_format_overrides_accept_and_unknown_ones_are_named() -> None:
    assert choose_formats("text/csv", "ttl") == (None, "turtle")
    with pytest.raises(SparqlRequestError, match="unknown format 'pdf'"):
        choose_formats(None, "pdf")


def test_protocol_requests_carry_dataset_parameters_from_the_url_and_the_form() -> None:
    req = read_request("POST", "default-graph-uri=urn%3Ag1", "application/x-www-form-urlencoded",
                       b"query=ASK+%7B%7D&named-graph-uri=urn%3Ag2")
    assert (req.query, req.default_graphs, req.named_graphs) == ("ASK {}", ("urn:g1",), ("urn:g2",))
    body = read_request("POST", "named-graph-uri=urn%3Ag3",
                        "application/sparql-query; charset=utf-8", b"ASK {}")
    assert body.named_graphs == ("urn:g3",)
    with pytest.raises(SparqlRequestError) as refused:
        read_request("POST", "", "application/sparql-update", b"CLEAR ALL")
    assert refused.value.status == 403


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://evil.example/sparql> { ?s ?p ?o } } } }",
    "ASK { FILTER EXISTS { SERVICE <http://evil.example/sparql> { ?s ?p ?o } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
    "BASE <http://evil.example/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "select * where { service <http://evil.example/sparql> { ?s ?p ?o } }",
])
def test_service_is_found_wherever_it_hides(query: str) -> None:
    with pytest.raises(SparqlRequestError) as refused:
        inspect_query(query, allow=["http://allowed.example/sparql"])
    assert refused.value.status == 403
    assert "evil.example" in refused.value.message


def test_allowed_service_endpoints_pass() -> None:
    info = inspect_query("SELECT * WHERE { SERVICE <http://allowed.example/sparql> { ?s ?p ?o } }",
                         allow=["http://allowed.example/sparql"])
    assert info.form == "select" and info.services == ("http://allowed.example/sparql",)


def test_service_in_syntax_rdflib_cannot_read_is_refused_rather_than_trusted() -> None:
    # SPARQL 1.2 triple terms: pyoxigraph reads them, rdflib's parser does not
    query = "SELECT * WHERE { SERVICE <http://evil.example/> { << ?s ?p ?o >> ?q ?r } }"
    with pytest.raises(SparqlRequestError, match="cannot check"):
        inspect_query(query)


def test_keywords_ignore_strings_comments_iris_and_prefixed_names() -> None:
    text = ('PREFIX service: <http://x/SERVICE> # SERVICE in a comment\n'
            'SELECT ?service WHERE { ?s service:SERVICE "SERVICE" . ?s <urn:SERVICE> \'\'\'SERVICE\'\'\' }')
    assert "SERVICE" not in keywords(text)
    assert "SERVICE" in keywords("SELECT * WHERE { SERVICE <urn:x> { ?s ?p ?o } }")


@pytest.mark.parametrize(("query", "operation"), [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT DATA"),
    ("LOAD <http://example.org/x.ttl>", "LOAD"),
    ("CLEAR GRAPH <urn:g>", "CLEAR"),
    ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "DELETE/INSERT"),
])
def test_update_operations_are_named_when_refused(query: str, operation: str) -> None:
    with pytest.raises(SparqlRequestError) as refused:
        inspect_query(query)
    assert refused.value.status == 403 and operation in refused.value.message


def test_malformed_text_goes_to_the_real_parser() -> None:
    assert inspect_query("SELEC nonsense").form is None


# -- entity pages on a small graph ------------------------------------------------------------

DOC = iris.individual("document", "test-doc")
P7 = iris.individual("passage", "test-doc/7")
FEATURE = iris.individual("feature", "training")
PARTNERSHIP = iris.individual("partnership", "test-partnership")


@pytest.fixture(scope="module")
def small_store() -> Store:
    store = Store.memory()
    store.replace_graph(iris.graph("test"), f"""
        @prefix skg: <{iris.SKG}> . @prefix skos: <{iris.SKOS}> . @prefix dcterms: <{iris.DCTERMS}> .
        @prefix owl: <{iris.OWL}> .
        <{DOC}> dcterms:title "Test document"@en .
        <{P7}> a skg:Passage ; skg:inDocument <{DOC}> ; skg:paragraphNumber 7 ;
            skg:text "Training takes place in the country of origin." ; skg:mentions <{FEATURE}> .
        <{FEATURE}> skos:prefLabel "training"@en, "formation"@fr .
        <{PARTNERSHIP}> a skg:Partnership ; skos:prefLabel "Test partnership"@en ;
            skg:hasFeature <{FEATURE}> .
        [] a owl:Axiom ; owl:annotatedSource <{PARTNERSHIP}> ; owl:annotatedProperty skg:hasFeature ;
            owl:annotatedTarget <{FEATURE}> ; dcterms:source <{P7}> .
    """)
    store.replace_graph(iris.graph("inferred"), f"""
        <{PARTNERSHIP}> <{iris.SKG}contributesTo> <{iris.sdg(4)}> .""")
    return store


def test_a_concept_page_lists_the_passages_that_mention_it_and_its_inbound_links(
        small_store: Store) -> None:
    view = entity_view(small_store, FEATURE)
    assert view.label == "training"
    assert [(v.text, v.language) for v in view.labels] == [("training", "en"), ("formation", "fr")]
    assert [(p.citation, p.text) for p in view.passages] == [
        ("Test document §7", "Training takes place in the country of origin.")]
    assert view.passages[0].href == "/id/passage/test-doc/7"
    assert {s.iri for s, _p in view.inbound} == {P7, PARTNERSHIP}


def test_facts_show_their_sources_and_inferred_facts_are_marked(small_store: Store) -> None:
    view = entity_view(small_store, PARTNERSHIP)
    relations = {r.iri: r for r in view.relations}
    feature = relations[iris.skg("hasFeature")].values[0]
    assert feature.text == "training" and not feature.inferred
    assert [s.iri for s in feature.sources] == [P7]
    sdg = relations[iris.skg("contributesTo")].values[0]
    assert sdg.inferred


def test_rdf_descriptions_carry_the_facts_sources(small_store: Store) -> None:
    triples = describe(small_store, PARTNERSHIP).triples
    assert any(t.predicate.value == iris.DCTERMS + "source" and t.object.value == P7 for t in triples)
    assert exists(small_store, P7) and not exists(small_store, iris.individual("feature", "nothing"))
    assert local_path(P7) == "/id/passage/test-doc/7"
    assert local_path(iris.skg("Partnership")) == "/ontology#Partnership"
    assert local_path("http://example.org/x") is None
