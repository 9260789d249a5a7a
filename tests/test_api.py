"""The HTTP API in process (FastAPI's TestClient) over a full build: every route and bad input.

What a researcher does with the service, route by route: search with
explanations, the SPARQL 1.1 Protocol with content negotiation, the
read-only guarantees (updates, LOAD, SERVICE), the time and row limits,
linked-data pages, the ontology documentation, health and version.  Bad
input of every kind gets a 4xx with a message, never a 500.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from skillkg.api.app import create_app
from skillkg.api.linked import local_path
from skillkg.api.settings import ApiSettings

from skillkg import iris
from skillkg.build import BuildReport
from skillkg.config import Paths
from skillkg.store import Store

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
TIME_LIMIT = 10.0
ROW_LIMIT = 2000
#: Three unconstrained triple patterns: billions of rows on any real build.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SPARQL_JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def settings(built: tuple[Paths, BuildReport]) -> ApiSettings:
    """Settings for the full build, with limits small enough to hit in a test."""
    paths, _ = built
    return ApiSettings(build_dir=paths.current.resolve(), queries_dir=QUERIES,
                       time_limit=TIME_LIMIT, row_limit=ROW_LIMIT, workers=2,
                       max_body_bytes=64_000)


@pytest.fixture(scope="module")
def client(settings: ApiSettings) -> Iterator[TestClient]:
    """The app, started (query workers running, search loading in the background)."""
    with TestClient(create_app(settings)) as c:
        yield c


def nursing_asia_to_europe(store: Store) -> set[str]:
    """The arrangements queries/nursing-partnerships-asia-to-europe.rq finds in the build."""
    text = (QUERIES / "nursing-partnerships-asia-to-europe.rq").read_text(encoding="utf-8")
    found = set(store.select(text).values("arrangement"))
    assert found, "the build has no nursing arrangement from Asia to Europe; check ontology/partnerships"
    return found


def sparql(client: TestClient, query: str, accept: str = SPARQL_JSON, **params: str):
    return client.get("/sparql", params={"query": query, **params}, headers={"Accept": accept})


# -- search -------------------------------------------------------------------------------------


def test_search_answers_a_question_with_explained_results_and_the_sparql_it_ran(
        client: TestClient, built_store: Store) -> None:
    expected = nursing_asia_to_europe(built_store)
    r = client.get("/search", params={"q": "nursing partnerships from Asia to Europe", "k": 5})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert set(answer) >= {"query", "interpretation", "results", "sparql"}
    assert answer["interpretation"]["origins"] == [iris.region(142)]
    assert answer["interpretation"]["destinations"] == [iris.region(150)]
    top = answer["results"][0]
    assert set(top) >= {"iri", "label", "types", "score", "why"}
    assert top["iri"] in expected
    assert any(w["kind"] == "constraint" for w in top["why"])
    # the SPARQL the search ran is a real query that finds the top result
    rerun = sparql(client, answer["sparql"])
    assert rerun.status_code == 200, rerun.text
    found = {b["a"]["value"] for b in rerun.json()["results"]["bindings"]}
    assert top["iri"] in found


def test_search_filters_by_type_and_caps_k(client: TestClient) -> None:
    r = client.get("/search", params={"q": "recognition of nurses' qualifications", "k": 3,
                                      "type": "agreement"})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert 0 < len(results) <= 3
    assert {res["kind"] for res in results} == {"agreement"}


@pytest.mark.parametrize(("params", "word"), [
    ({}, "q"),
    ({"q": ""}, "q"),
    ({"q": "   "}, "empty"),
    ({"q": "x" * 501}, "q"),
    ({"q": "nurses\x07"}, "control"),
    ({"q": "nurses", "k": "0"}, "k"),
    ({"q": "nurses", "k": "101"}, "k"),
    ({"q": "nurses", "k": "ten"}, "k"),
    ({"q": "nurses", "type": "planet"}, "type"),
    ({"q": "nurses", "mode": "psychic"}, "mode"),
])
def test_bad_search_input_is_a_4xx_that_names_the_problem(client: TestClient, params: dict[str, str],
                                                          word: str) -> None:
    r = client.get("/search", params=params)
    assert 400 <= r.status_code < 500, r.text
    assert word in r.json()["detail"]


def test_the_openapi_schema_documents_search_with_an_example(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    op = schema["paths"]["/search"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"q", "k", "type"}
    assert op["responses"]["200"]["content"]["application/json"]["example"]["results"]
    assert {"/sparql", "/id/{kind}/{key}", "/ontology", "/health", "/version"} <= set(schema["paths"])


# -- SPARQL protocol and formats ---------------------------------------------------------------

SELECT_CLASSES = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?label WHERE { ?c a owl:Class ; rdfs:label ?label FILTER (lang(?label) = "fr") }
ORDER BY ?c"""


def test_the_three_ways_of_sending_a_query_give_the_same_answer(client: TestClient) -> None:
    by_get = sparql(client, SELECT_CLASSES)
    by_form = client.post("/sparql", data={"query": SELECT_CLASSES}, headers={"Accept": SPARQL_JSON})
    by_body = client.post("/sparql", content=SELECT_CLASSES.encode(),
                          headers={"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON})
    for r in (by_get, by_form, by_body):
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith(SPARQL_JSON)
    rows = by_get.json()["results"]["bindings"]
    assert any(b["c"]["value"] == iris.skg("Partnership") and b["label"]["value"] == "partenariat"
               for b in rows)
    assert by_form.json() == by_get.json() == by_body.json()


def test_select_results_in_json_xml_csv_and_tsv(client: TestClient) -> None:
    as_json = sparql(client, SELECT_CLASSES).json()
    n = len(as_json["results"]["bindings"])
    xml = sparql(client, SELECT_CLASSES, "application/sparql-results+xml")
    assert xml.headers["content-type"].startswith("application/sparql-results+xml")
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    assert len(ET.fromstring(xml.content).findall(".//r:result", ns)) == n
    as_csv = sparql(client, SELECT_CLASSES, "text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["c", "label"] and len(rows) == n + 1
    tsv = sparql(client, SELECT_CLASSES, "text/tab-separated-values")
    assert tsv.text.splitlines()[0] == "?c\t?label" and len(tsv.text.splitlines()) == n + 1
    # Accept preferences with q-values are honoured, and format= overrides Accept
    picked = sparql(client, SELECT_CLASSES, "text/csv;q=0.5, application/sparql-results+xml")
    assert picked.headers["content-type"].startswith("application/sparql-results+xml")
    assert sparql(client, SELECT_CLASSES, "text/csv", format="tsv").text.startswith("?c\t")


def test_ask_answers_a_boolean(client: TestClient) -> None:
    r = sparql(client, f"ASK {{ <{iris.skg('Partnership')}> ?p ?o }}")
    assert r.json() == {"head": {}, "boolean": True}
    assert sparql(client, "ASK { ?s ?p ?o }", "text/csv").status_code == 406


CONSTRUCT_PARTNERSHIP = f"""CONSTRUCT {{ <{iris.skg('Partnership')}> ?p ?o }}
WHERE {{ <{iris.skg('Partnership')}> ?p ?o FILTER (!isBlank(?o)) }}"""


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
])
def test_construct_results_in_rdf_formats(client: TestClient, accept: str, rdflib_format: str) -> None:
    r = sparql(client, CONSTRUCT_PARTNERSHIP, accept)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(accept)
    g = rdflib.Graph().parse(data=r.text, format=rdflib_format)
    partnership = rdflib.URIRef(iris.skg("Partnership"))
    assert (partnership, rdflib.RDF.type, rdflib.OWL.Class) in g
    assert (partnership, rdflib.RDFS.label, rdflib.Literal("partenariat", lang="fr")) in g


def test_dataset_parameters_choose_the_graphs(client: TestClient) -> None:
    ontology = iris.graph("ontology")
    q = f"ASK {{ <{iris.skg('Partnership')}> ?p ?o }}"
    inside = client.get("/sparql", params={"query": q, "default-graph-uri": ontology})
    elsewhere = client.get("/sparql", params={"query": q, "default-graph-uri": iris.graph("build")})
    assert inside.json()["boolean"] is True
    assert elsewhere.json()["boolean"] is False


@pytest.mark.parametrize(("kwargs", "status", "word"), [
    ({"params": {"query": "SELEC ?x WHERE {}"}}, 400, "not valid SPARQL"),
    ({"params": {"query": "SELECT ?x WHERE { ?x ?y }"}}, 400, "not valid SPARQL"),
    ({"params": {}}, 400, "no query"),
    ({"params": {"query": ["ASK {}", "ASK {}"]}}, 400, "once"),
    ({"params": {"query": "ASK {}", "format": "pdf"}}, 400, "format"),
    ({"params": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}}, 406, "media type"),
])
def test_bad_sparql_get_requests_are_4xx_with_a_message(client: TestClient, kwargs: dict,
                                                        status: int, word: str) -> None:
    r = client.get("/sparql", **kwargs)
    assert r.status_code == status, r.text
    assert word in r.json()["detail"]


def test_bad_sparql_posts_are_4xx_with_a_message(client: TestClient, settings: ApiSettings) -> None:
    wrong_type = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415 and "Content-Type" in wrong_type.json()["detail"]
    not_utf8 = client.post("/sparql", content=b"ASK { \xff }",
                           headers={"Content-Type": "application/sparql-query"})
    assert not_utf8.status_code == 400 and "UTF-8" in not_utf8.json()["detail"]
    huge = "ASK {} #" + "x" * settings.max_body_bytes
    too_big = client.post("/sparql", content=huge.encode(),
                          headers={"Content-Type": "application/sparql-query"})
    assert too_big.status_code == 413 and "limit" in too_big.json()["detail"]
    big_form = client.post("/sparql", data={"query": huge})
    assert big_form.status_code == 413


# -- read-only -----------------------------------------------------------------------------------


@pytest.mark.parametrize("request_kwargs", [
    {"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    {"content": b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
     "headers": {"Content-Type": "application/sparql-update"}},
    {"content": b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
     "headers": {"Content-Type": "application/sparql-query"}},
    {"data": {"query": "DELETE WHERE { ?s ?p ?o }"}},
    {"data": {"query": "LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH <urn:g>"}},
    {"data": {"query": "DROP ALL"}},
])
def test_updates_and_load_are_refused_and_change_nothing(client: TestClient,
                                                         request_kwargs: dict) -> None:
    before = sparql(client, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").json()
    r = client.post("/sparql", **request_kwargs)
    assert r.status_code == 403, r.text
    assert "read-only" in r.json()["detail"]
    after = sparql(client, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").json()
    assert after == before


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()


def test_service_to_an_endpoint_not_allowed_is_refused_and_never_called(
        client: TestClient, listener: Listener) -> None:
    endpoint = f"http://127.0.0.1:{listener.port}/sparql"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}",
        f"PREFIX ep: <http://127.0.0.1:{listener.port}/> "
        "SELECT * WHERE { SERVICE SILENT ep:sparql { ?s ?p ?o } }",
        f"SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE <{endpoint}> {{ ?x ?p ?o }} }} }} LIMIT 1",
        f"SELECT * WHERE {{ VALUES ?e {{ <{endpoint}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    ]
    for q in queries:
        r = sparql(client, q)
        assert r.status_code == 403, (q, r.text)
        assert "SERVICE" in r.json()["detail"]
    assert listener.connections == 0


def test_the_word_service_in_a_string_or_comment_is_not_a_service_call(client: TestClient) -> None:
    q = 'SELECT ?x WHERE { BIND ("SERVICE <http://example.org/>" AS ?x) } # SERVICE <http://x/>'
    r = sparql(client, q)
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["x"]["value"].startswith("SERVICE")


# -- limits ------------------------------------------------------------------------------------


def test_a_runaway_query_is_stopped_while_other_requests_are_answered(client: TestClient) -> None:
    slow: dict[str, object] = {}

    def run_slow() -> None:
        slow["response"] = sparql(client, RUNAWAY)

    thread = threading.Thread(target=run_slow)
    thread.start()
    for _ in range(600):  # until a worker is busy with it
        if client.get("/health").json()["sparql"]["busy"] >= 1:
            break
        time.sleep(0.05)
    # while the runaway query runs, the service answers other requests
    fast = sparql(client, SELECT_CLASSES)
    page = client.get("/id/feature/training", headers={"Accept": "text/html"})
    still_running = thread.is_alive()
    thread.join()
    assert fast.status_code == 200 and page.status_code == 200
    assert still_running, "the other requests were answered while the runaway query ran"
    r = slow["response"]
    assert r.status_code == 422, r.text
    assert "time limit" in r.json()["detail"]
    # the stopped worker was replaced: the endpoint keeps answering
    assert sparql(client, "ASK { ?s ?p ?o }").json()["boolean"] is True
    assert client.get("/health").json()["sparql"]["timed_out"] >= 1


def test_the_row_limit_stops_queries_that_return_too_much(client: TestClient,
                                                          built_store: Store) -> None:
    assert built_store.count() > ROW_LIMIT
    r = sparql(client, "SELECT * WHERE { ?s ?p ?o }")
    assert r.status_code == 422 and "row limit" in r.json()["detail"]
    r = sparql(client, "CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle")
    assert r.status_code == 422 and "row limit" in r.json()["detail"]
    paged = sparql(client, "SELECT * WHERE { ?s ?p ?o } LIMIT 100")
    assert len(paged.json()["results"]["bindings"]) == 100


# -- examples ------------------------------------------------------------------------------------


def test_every_example_query_is_listed_and_runs(client: TestClient) -> None:
    examples = client.get("/examples").json()
    assert {e["name"] for e in examples} == {p.stem for p in QUERIES.glob("*.rq")}
    for ex in examples:
        assert ex["title"] and not ex["title"].startswith("PREFIX")
        r = client.post("/sparql", content=ex["query"].encode(),
                        headers={"Content-Type": "application/sparql-query", "Accept": SPARQL_JSON})
        assert r.status_code == 200, (ex["name"], r.text)


def test_the_page_offers_search_and_the_example_queries(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="search-form"' in page.text and 'id="sparql-editor"' in page.text
    for path in QUERIES.glob("*.rq"):
        assert f'value="{path.stem}"' in page.text
    assert client.get("/static/app.js").status_code == 200
    assert "http" not in client.get("/static/style.css").text  # nothing fetched from elsewhere


# -- linked data -------------------------------------------------------------------------------


def _one_partnership(store: Store) -> tuple[str, str]:
    rows = store.select(
        iris.sparql_prologue(["skg", "skos"])
        + """SELECT ?p ?label WHERE { ?p a skg:Partnership ; skos:prefLabel ?label ;
                 skg:originCountry ?o . FILTER (lang(?label) = "en") } ORDER BY ?p LIMIT 1""")
    assert rows.rows, "the build has no partnership with an origin country"
    return rows.rows[0][0].value, rows.rows[0][1].value


def test_an_individual_has_an_html_page_with_labels_relations_sources_and_links(
        client: TestClient, built_store: Store) -> None:
    iri, label = _one_partnership(built_store)
    path = local_path(iri)
    r = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert f"<h1>{label}</h1>" in r.text.replace("&#39;", "'")
    assert "country of origin" in r.text  # a relation, by its ontology label
    assert "/id/country/" in r.text  # the related country links to its own page
    country = built_store.select(
        f"SELECT ?c WHERE {{ <{iri}> <{iris.skg('originCountry')}> ?c }}").values("c")[0]
    country_page = client.get(local_path(country), headers={"Accept": "text/html"})
    assert "Linked from" in country_page.text and path in country_page.text  # inbound link


def test_an_individual_in_turtle_and_json_ld(client: TestClient, built_store: Store) -> None:
    iri, label = _one_partnership(built_store)
    path = local_path(iri)
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld")):
        r = client.get(path, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
        g = rdflib.Graph().parse(data=r.text, format=fmt)
        assert (rdflib.URIRef(iri), rdflib.SKOS.prefLabel, rdflib.Literal(label, lang="en")) in g
    assert client.get(path, params={"format": "ttl"}).headers["content-type"].startswith("text/turtle")
    assert client.get(path, headers={"Accept": "image/png"}).status_code == 406


def test_nested_keys_and_passages_that_mention_a_concept(client: TestClient,
                                                         built_store: Store) -> None:
    passage = built_store.select(
        f'SELECT DISTINCT ?p WHERE {{ ?s ?x ?p FILTER (STRSTARTS(STR(?p), "{iris.ID}passage/")) }} '
        "ORDER BY ?p LIMIT 1").values("p")[0]
    r = client.get(local_path(passage), headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    mentioned = built_store.select(
        iris.sparql_prologue(["skg"]) + "SELECT ?c ?p WHERE { ?p skg:mentions ?c . "
        f'FILTER (STRSTARTS(STR(?c), "{iris.ID}")) }} ORDER BY ?c LIMIT 1')
    if not mentioned.rows:
        pytest.skip("the build has no skg:mentions (document ingest produced no passages)")
    concept, mentioning = (t.value for t in mentioned.rows[0])
    page = client.get(local_path(concept), headers={"Accept": "text/html"})
    assert "Passages that mention it" in page.text
    assert local_path(mentioning) in page.text


@pytest.mark.parametrize("path", [
    "/id/partnership/no-such-partnership", "/id/planet/mars", "/id/country/..%2F..",
    "/id/passage/iom-s-25-5/99999", "/id/country/a b",
])
def test_unknown_iris_are_404(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 404, r.text
    assert r.json()["detail"]


# -- ontology, health, version ----------------------------------------------------------------


def test_the_ontology_as_documentation_and_as_turtle(client: TestClient) -> None:
    page = client.get("/ontology", headers={"Accept": "text/html"})
    assert page.status_code == 200
    text = page.text.replace("&#39;", "'")
    assert 'id="SkillsMobilityPartnership"' in text
    assert "partenariat pour la mobilité des compétences" in text  # French label
    assert "S/25/5 §4, §7" in text  # citation
    assert "Domain" in text and "Range" in text
    assert "located in" in text and "transitive" in text
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=turtle.text, format="turtle")
    assert (rdflib.URIRef(iris.skg("SkillsMobilityPartnership")), rdflib.RDF.type, rdflib.OWL.Class) in g
    assert (rdflib.URIRef(iris.ONTOLOGY), rdflib.RDF.type, rdflib.OWL.Ontology) in g


def test_health_and_version_describe_the_build(client: TestClient, settings: ApiSettings,
                                               built_store: Store) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["sparql"]["workers"] == 2
    version = client.get("/version").json()
    assert version["graphs"] == built_store.counts()
    assert version["triples"] == sum(built_store.counts().values())
    meta = json.loads((settings.index_dir / "meta.json").read_text())
    assert version["embedding_model"] == meta["model"]
    assert version["build"]["started"]
    assert {"skillkg", "pyoxigraph", "fastapi", "python"} <= set(version["versions"])
    assert version["sparql"]["row_limit"] == ROW_LIMIT
