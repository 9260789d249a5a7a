"""The HTTP API as users meet it: `skillkg serve` on 127.0.0.1, driven by real clients.

SPARQLWrapper and rdflib's SPARQLStore query the endpoint; an allowed
SERVICE reaches a real Oxigraph server; schemathesis fuzzes every operation
of the OpenAPI schema and finds no server error; eight concurrent clients
get no errors; headless Chromium types a question and runs an example.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
import schemathesis
from hypothesis import HealthCheck, given, settings
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from schemathesis.checks import not_a_server_error
from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

from skillkg import iris
from skillkg.build import BuildReport
from skillkg.config import Paths
from skillkg.store import Store

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

schemathesis.serializer.alias("application/sparql-query", "text/plain")


def _free_port() -> int:
    from conftest import free_port

    return free_port()


@pytest.fixture(scope="module")
def server(built: tuple[Paths, BuildReport], oxigraph_server: str) -> Iterator[str]:
    """`skillkg serve` on a free port over the full build, allowing SERVICE to one Oxigraph server.

    Yields the base URL once /health answers and the search model has loaded.
    """
    paths, _ = built
    port = _free_port()
    env = {**os.environ, "SKILLKG_VAR": str(paths.var), "SKILLKG_HOME": str(ROOT),
           "SKILLKG_SPARQL_TIME_LIMIT": "60"}
    exe = str(Path(sys.executable).parent / "skillkg")
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--allow-service", oxigraph_server + "/query"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            if proc.poll() is not None:
                raise RuntimeError("skillkg serve exited: " + proc.stderr.read().decode())
            try:
                health = httpx.get(url + "/health", timeout=2).json()
                if health["search"] != "loading":
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        else:
            raise RuntimeError("skillkg serve did not become ready")
        assert health["search"] == "ready", health
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- SPARQL clients ------------------------------------------------------------------------------

PARTNERSHIPS = iris.sparql_prologue(["skg", "skos"]) + """
SELECT ?p ?label WHERE { ?p a skg:Partnership ; skos:prefLabel ?label FILTER (lang(?label) = "en") }
ORDER BY ?label"""


def test_sparqlwrapper_selects_asks_and_constructs(server: str, built_store: Store) -> None:
    expected = built_store.select(PARTNERSHIPS).values("p")
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(PARTNERSHIPS)
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]
    assert [r["p"]["value"] for r in rows] == expected

    client.setReturnFormat(XML)
    xml_rows = client.queryAndConvert().getElementsByTagName("result")
    assert len(xml_rows) == len(expected)

    client.setQuery(f"ASK {{ <{expected[0]}> a <{iris.skg('Partnership')}> }}")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True

    client.setQuery(f"CONSTRUCT {{ <{expected[0]}> ?p ?o }} WHERE {{ <{expected[0]}> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    g = rdflib.Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert (rdflib.URIRef(expected[0]), rdflib.RDF.type, rdflib.URIRef(iris.skg("Partnership"))) in g

    client.setMethod("POST")
    client.setQuery(PARTNERSHIPS)
    client.setReturnFormat(JSON)
    assert len(client.queryAndConvert()["results"]["bindings"]) == len(expected)


def test_sparqlwrapper_sees_refusals_as_errors(server: str) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    client = SPARQLWrapper(server + "/sparql")
    client.setQuery("SELECT ?x WHERE { ?x ")
    with pytest.raises(QueryBadFormed, match="not valid SPARQL"):
        client.queryAndConvert()
    client.setQuery("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    with pytest.raises(urllib.error.HTTPError) as refused:  # SPARQLWrapper passes 403 through
        client.queryAndConvert()
    assert refused.value.code == 403
    assert "allow-list" in refused.value.read().decode()


def test_rdflib_sparqlstore_reads_the_graph(server: str, built_store: Store) -> None:
    expected = built_store.select(PARTNERSHIPS).values("p")
    graph = rdflib.Graph(store=SPARQLStore(server + "/sparql"))
    rows = list(graph.query(PARTNERSHIPS))
    assert [str(r.p) for r in rows] == expected
    subject = rdflib.URIRef(expected[0])
    assert (subject, rdflib.RDF.type, rdflib.URIRef(iris.skg("Partnership"))) in graph
    labels = set(graph.objects(subject, rdflib.SKOS.prefLabel))
    assert any(label.language == "fr" for label in labels)


def test_service_to_an_allowed_endpoint_runs(server: str, oxigraph_server: str) -> None:
    q = f"SELECT ?x WHERE {{ SERVICE <{oxigraph_server}/query> {{ BIND (42 AS ?x) }} }}"
    r = httpx.get(server + "/sparql", params={"query": q},
                  headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["x"]["value"] == "42"


# -- schemathesis --------------------------------------------------------------------------------


def test_no_input_from_the_openapi_schema_causes_a_server_error(server: str) -> None:
    """Schemathesis generates requests for every operation of /openapi.json (valid and not).

    Its pytest plugin (``schemathesis.pytest.from_fixture``) does not run under
    pytest 9 (it reads ``Function._nodeid``), so each operation's strategy is
    driven by Hypothesis here, with the same check.
    """
    schema = schemathesis.openapi.from_url(server + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/search", "/sparql", "/id/{kind}/{key}", "/ontology"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def no_server_error(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error], timeout=120)

        no_server_error()


# -- load -----------------------------------------------------------------------------------------


def test_eight_concurrent_clients_get_no_errors(server: str, built_store: Store) -> None:
    partnership = built_store.select(PARTNERSHIPS).values("p")[0]
    requests = [
        ("/search", {"q": "nursing partnerships from Asia to Europe", "k": "5"}),
        ("/search", {"q": "reconnaissance des compétences", "k": "5"}),
        ("/sparql", {"query": PARTNERSHIPS}),
        ("/sparql", {"query": "ASK { ?s ?p ?o }"}),
        ("/id/" + partnership[len(iris.ID):], {}),
    ]
    outcomes: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(base_url=server, timeout=120) as http:
            for i in range(25):
                path, params = requests[(n + i) % len(requests)]
                try:
                    r = http.get(path, params=params, headers={"Accept": "application/json"})
                    status = r.status_code
                except httpx.HTTPError as exc:
                    status = -1
                    with lock:
                        failures.append(f"{path}: {exc!r}")
                with lock:
                    outcomes.append(status)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 8 * 25
    assert not failures
    assert set(outcomes) == {200}, sorted(set(outcomes))


# -- the web page in headless Chromium --------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium through chromedriver (Debian's chromium and chromium-driver)."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("headless browser tests need Debian's chromium and chromium-driver "
                    f"({CHROMIUM}, {CHROMEDRIVER})")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.mark.browser
def test_typing_a_question_shows_the_expected_partnership(server: str, browser: object,
                                                          built_store: Store) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    text = (QUERIES / "nursing-partnerships-asia-to-europe.rq").read_text(encoding="utf-8")
    expected = set(built_store.select(text).values("arrangement"))
    assert expected, "the build has no nursing arrangement from Asia to Europe"
    browser.get(server + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("nursing partnerships from Asia to Europe")
    browser.find_element(By.ID, "search-button").click()
    WebDriverWait(browser, 120).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#results li.result")))
    first = browser.find_element(By.CSS_SELECTOR, "#results li.result")
    assert first.get_attribute("data-iri") in expected
    assert first.find_elements(By.CSS_SELECTOR, "ul.why li[data-kind='constraint']")
    assert "Understood" in browser.find_element(By.ID, "interpretation").text
    # the result links to its entity page, which shows the same label
    label = first.find_element(By.CSS_SELECTOR, "a.result-label")
    title = label.text
    label.click()
    WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.CSS_SELECTOR, "article.entity")))
    assert browser.find_element(By.TAG_NAME, "h1").text == title


@pytest.mark.browser
def test_a_shared_search_link_runs_its_search(server: str, browser: object) -> None:
    from urllib.parse import quote

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    question = "nurses from the Philippines to Germany"
    browser.get(server + "/?q=" + quote(question))
    WebDriverWait(browser, 120).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#results li.result")))
    assert browser.find_element(By.ID, "q").get_attribute("value") == question
    first = browser.find_element(By.CSS_SELECTOR, "#results li.result")
    assert first.get_attribute("data-iri").endswith("/partnership/triple-win")
    # and a search typed on the page puts its question in the address bar
    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys("ASEAN engineers")
    browser.find_element(By.ID, "search-button").click()
    WebDriverWait(browser, 120).until(lambda d: "q=ASEAN+engineers" in d.current_url)


@pytest.mark.browser
def test_running_an_example_query_shows_its_rows(server: str, browser: object,
                                                 built_store: Store) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    name = "skills-mobility-partnerships"
    expected = built_store.select((QUERIES / f"{name}.rq").read_text(encoding="utf-8"))
    browser.get(server + "/")
    Select(browser.find_element(By.ID, "examples")).select_by_value(name)
    assert "SELECT" in browser.find_element(By.ID, "sparql-editor").get_attribute("value")
    browser.find_element(By.ID, "run-query").click()
    WebDriverWait(browser, 120).until(
        lambda d: "rows" in d.find_element(By.ID, "sparql-status").text
        or "Error" in d.find_element(By.ID, "sparql-status").text)
    assert browser.find_element(By.ID, "sparql-status").text == f"{len(expected)} rows"
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#sparql-results thead th")]
    assert headers == expected.variables
    rows = browser.find_elements(By.CSS_SELECTOR, "#sparql-results tbody tr")
    assert len(rows) == len(expected.rows)
    if expected.rows:
        first_cell = rows[0].find_elements(By.TAG_NAME, "td")[0].text
        assert first_cell == (expected.rows[0][0].value if expected.rows[0][0] is not None else "")
