"""Query results in the standard formats, as the CLI and the endpoint write them."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib

from skillkg.results import FormatError, compact, serialize
from skillkg.store import Store

DATA = """
@prefix skg: <https://w3id.org/skillkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/skillkg/id/partnership/a> a skg:Partnership ;
    skos:prefLabel "Triple \\"Win\\", with a comma"@en ; skg:startYear 2013 .
"""


@pytest.fixture(scope="module")
def store() -> Store:
    s = Store.memory()
    s.replace_graph("https://w3id.org/skillkg/graph/test", DATA)
    return s


SELECT = ("SELECT ?p ?label ?year ?none WHERE { ?p <http://www.w3.org/2004/02/skos/core#prefLabel> "
          "?label ; <https://w3id.org/skillkg/ontology#startYear> ?year }")


def test_json_follows_the_sparql_results_format(store: Store) -> None:
    doc = json.loads(serialize(store.query(SELECT), "json"))
    assert doc["head"]["vars"] == ["p", "label", "year", "none"]
    b = doc["results"]["bindings"][0]
    assert b["p"] == {"type": "uri", "value": "https://w3id.org/skillkg/id/partnership/a"}
    assert b["label"]["xml:lang"] == "en"
    assert b["year"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert "none" not in b
    assert json.loads(serialize(store.query("ASK { ?s ?p ?o }"), "json"))["boolean"] is True


def test_json_and_xml_round_trip_through_pyoxigraph(store: Store) -> None:
    for fmt, oxfmt in (("json", ox.QueryResultsFormat.JSON), ("xml", ox.QueryResultsFormat.XML)):
        parsed = ox.parse_query_results(serialize(store.query(SELECT), fmt).encode(), format=oxfmt)
        rows = list(parsed)
        assert rows[0]["label"].value == 'Triple "Win", with a comma'


def test_xml_is_well_formed(store: Store) -> None:
    root = ET.fromstring(serialize(store.query(SELECT), "xml"))
    assert root.tag.endswith("sparql")


def test_csv_quotes_and_tsv_uses_ntriples_terms(store: Store) -> None:
    rows = list(csv.reader(io.StringIO(serialize(store.query(SELECT), "csv"))))
    assert rows[0] == ["p", "label", "year", "none"]
    assert rows[1][1] == 'Triple "Win", with a comma'
    tsv = serialize(store.query(SELECT), "tsv").splitlines()
    assert tsv[0] == "?p\t?label\t?year\t?none"
    assert tsv[1].startswith("<https://w3id.org/skillkg/id/partnership/a>\t")


def test_graph_results_in_rdf_formats(store: Store) -> None:
    result = store.query("CONSTRUCT WHERE { ?s ?p ?o }")
    for fmt, rdflib_fmt in (("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"),
                            ("rdfxml", "xml")):
        g = rdflib.Graph().parse(data=serialize(result, fmt), format=rdflib_fmt)
        assert len(g) == 3


def test_a_format_that_does_not_fit_is_refused(store: Store) -> None:
    with pytest.raises(FormatError):
        serialize(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), "csv")
    with pytest.raises(FormatError):
        serialize(store.query(SELECT), "turtle")
    with pytest.raises(FormatError):
        serialize(store.query("ASK {}"), "csv")


def test_compact_uses_the_project_prefixes() -> None:
    assert compact(ox.NamedNode("https://w3id.org/skillkg/id/country/PHL")) == "country:PHL"
    assert compact(ox.Literal("x", language="fr")) == "x"
