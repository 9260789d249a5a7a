"""The skillkg HTTP service: semantic search, a SPARQL 1.1 endpoint, linked-data pages, a web page.

Build the app with :func:`create_app` (tests pass their own settings) and run
it with :func:`serve` (what ``skillkg serve`` does).  The service opens one
build (``var/current``, resolved when it starts) read-only: its store for
linked data, its indexes for search, and worker processes for SPARQL (see
:mod:`skillkg.api.sparql`).  The search model loads in a background thread
at start-up, so the server answers at once; ``/search`` waits for it on its
first call, and ``/health`` says whether it is ready.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field
from skillkg.api import linked
from skillkg.api.settings import ApiSettings
from skillkg.api.sparql import (
    JobError,
    QueryJob,
    QueryPool,
    SparqlRequestError,
    choose_formats,
    inspect_query,
    negotiate,
    read_request,
)

from skillkg import __version__, iris
from skillkg import search as search_module
from skillkg.query import MAX_QUERY_LENGTH
from skillkg.results import GRAPH_MEDIA_TYPES, serialize
from skillkg.store import Store

HERE = Path(__file__).resolve().parent
ASGIApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[MutableMapping[str, Any]]],
                    Callable[[MutableMapping[str, Any]], Awaitable[None]]], Awaitable[None]]

SEARCH_MODES = tuple(sorted(search_module.MODES, key=lambda m: m != "hybrid+graph"))
SEARCH_TYPES = search_module.TYPES
MAX_Q = MAX_QUERY_LENGTH
SEARCH_WAIT = 300.0  # seconds a first /search waits for the model to finish loading


# -- response models (the OpenAPI schema) -----------------------------------------------------


class Reason(BaseModel):
    """One reason a result matched."""

    kind: str = Field(description="constraint, names, mentions, lexical or semantic")
    detail: str = Field(description="the reason in words")
    field: str = Field("", description="for lexical reasons: the field where the words were found")
    values: list[str] = Field(default_factory=list, description="the IRIs or words that matched")


class SearchResult(BaseModel):
    """One search result with its explanation."""

    iri: str
    label: str
    kind: str = Field(description="the kind of result: partnership, agreement, passage, …")
    types: list[str] = Field(description="the rdf:type IRIs of the result")
    score: float = Field(description="reciprocal-rank-fusion score; higher is better")
    why: list[Reason]
    snippet: str = ""


class SearchAnswer(BaseModel):
    """What the search understood of the question, its results and the SPARQL it ran."""

    query: str
    mode: str
    interpretation: dict[str, Any] = Field(
        description="linked entities with their kinds, places with direction (origins, "
        "destinations, either_direction), occupations, features, objectives, the target")
    results: list[SearchResult]
    sparql: str | None = Field(None, description="the constraint query, runnable at /sparql")
    relaxed: list[str] = Field(default_factory=list,
                               description="constraints dropped because no result met them all")
    took_ms: float = 0.0


class ErrorMessage(BaseModel):
    """Why a request was refused."""

    detail: str


SEARCH_EXAMPLE = {
    "query": "which partnerships cover nursing recognition between Asia and Europe",
    "mode": "hybrid+graph",
    "interpretation": {
        "query": "which partnerships cover nursing recognition between Asia and Europe",
        "language": "en", "target": "arrangement",
        "either_direction": [[iris.region(142), iris.region(150)]],
        "occupations": [iris.isco("222"), iris.isco("322")],
        "features": [iris.individual("feature", "skills-recognition")],
    },
    "results": [{
        "iri": iris.individual("partnership", "example"), "label": "An example partnership",
        "kind": "partnership", "types": [iris.skg("Partnership")], "score": 0.049,
        "why": [{"kind": "constraint", "detail": "links Asia, Europe (either direction)",
                 "field": "", "values": [iris.region(142), iris.region(150)]},
                {"kind": "semantic", "detail": "semantic similarity 0.61", "field": "",
                 "values": []}],
        "snippet": "",
    }],
    "sparql": "PREFIX skg: <https://w3id.org/skillkg/ontology#> SELECT DISTINCT ?a … ",
    "relaxed": [],
    "took_ms": 42.0,
}


# -- the search service -----------------------------------------------------------------------


class SearchService:
    """Loads the searcher in the background once, then answers searches one at a time.

    One lock serialises searches: the embedding model already uses every core,
    and the spaCy pipeline is not documented as thread-safe.
    """

    def __init__(self, store: Store, index_dir: Path, linker: Callable[..., Any] | None) -> None:
        self.store = store
        self.index_dir = index_dir
        self.linker = linker
        self.searcher: Any = None
        self.error: str | None = None
        self.warmup_error: str | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> None:
        threading.Thread(target=self._load, name="skillkg-search-loader", daemon=True).start()

    def _load(self) -> None:
        from skillkg.embeddings import EmbeddingError
        from skillkg.index import SearchIndexError
        from skillkg.search import Searcher

        try:
            self.searcher = Searcher(self.store, self.index_dir, linker=self.linker)
        except (SearchIndexError, EmbeddingError, OSError) as exc:
            self.error = f"the search index could not be loaded: {exc}"
        else:
            try:  # load the language pipeline and the model's first batch now, not on a request
                self.searcher.search("skills mobility partnership", k=1)
            except ImportError as exc:
                self.warmup_error = f"the language module is not available: {exc}"
        finally:
            self._ready.set()

    @property
    def state(self) -> str:
        if not self._ready.is_set():
            return "loading"
        if self.error:
            return "unavailable"
        return "degraded" if self.warmup_error else "ready"

    def search(self, q: str, k: int, type_: str | None, mode: str) -> dict[str, Any]:
        if not self._ready.wait(SEARCH_WAIT):
            raise HTTPException(503, "the search model is still loading; retry in a few seconds")
        if self.searcher is None:
            raise HTTPException(503, self.error or "search is not available")
        from skillkg.query import QueryError

        with self._lock:
            try:
                response = self.searcher.search(q, k=k, type=type_, mode=mode)
            except QueryError as exc:
                raise HTTPException(422, str(exc)) from exc
            except ImportError as exc:
                raise HTTPException(503, f"search needs the language module, which is not "
                                         f"available: {exc}") from exc
        return response.to_json()


# -- request body limit -----------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reply(self, send: Callable[..., Awaitable[None]], status: int, message: str) -> None:
        body = json.dumps({"detail": message}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await self._reply(send, 400, "the Content-Length header is not a number")
                return
            if size > limit:
                await self._reply(send, 413, f"the request body is {size} bytes; the limit is "
                                             f"{limit} bytes")
                return
        received = 0
        started = False

        async def limited_receive() -> MutableMapping[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reply(send, 413, f"the request body is over the limit of {limit} bytes")


# -- the app ----------------------------------------------------------------------------------


@dataclass
class Example:
    """An example query from queries/: its file name, the question it answers, its text."""

    name: str
    title: str
    query: str


def load_examples(folder: Path | None) -> list[Example]:
    """The example queries of ``folder`` (``*.rq``); the leading comment lines are the title."""
    if folder is None or not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title_lines = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            title_lines.append(line.lstrip("#").strip())
        out.append(Example(path.stem, " ".join(title_lines) or path.stem, text))
    return out


def _versions() -> dict[str, str]:
    out = {"skillkg": __version__, "python": platform.python_version()}
    for dist in ("pyoxigraph", "rdflib", "fastapi", "uvicorn", "sentence-transformers",
                 "faiss-cpu", "bm25s", "spacy", "owlready2"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


HTML_OFFERS = {"text/html": "html", "application/xhtml+xml": "html", **{
    m: f for m, f in {
        "text/turtle": "turtle", "application/turtle": "turtle", "application/x-turtle": "turtle",
        "application/ld+json": "jsonld", "application/json": "jsonld",
        "application/n-triples": "ntriples", "application/rdf+xml": "rdfxml",
    }.items()}}
RDF_FORMAT_NAMES = {"html": "html", "ttl": "turtle", "turtle": "turtle", "jsonld": "jsonld",
                    "json-ld": "jsonld", "nt": "ntriples", "ntriples": "ntriples",
                    "rdf": "rdfxml", "rdfxml": "rdfxml"}
FormatParam = Annotated[
    Literal["html", "ttl", "turtle", "jsonld", "json-ld", "nt", "ntriples", "rdf", "rdfxml"] | None,
    Query(description="Overrides the Accept header: html, turtle (ttl), jsonld, ntriples (nt), "
                      "rdfxml"),
]


def _rdf_or_html(request: Request, explicit: str | None) -> str:
    if explicit:
        return RDF_FORMAT_NAMES[explicit]
    chosen = negotiate(request.headers.get("accept"), HTML_OFFERS, "html")
    if chosen is None:
        raise HTTPException(406, "ask for text/html, text/turtle, application/ld+json, "
                                 "application/n-triples or application/rdf+xml")
    return chosen


def create_app(settings: ApiSettings, linker: Callable[..., Any] | None = None) -> FastAPI:
    """The FastAPI app serving the build of ``settings``.

    ``linker`` replaces the language module's entity linker in search (tests).
    """
    store = Store.open(settings.store_dir, read_only=True)
    manifest_path = settings.build_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    examples = load_examples(settings.queries_dir)
    search_service = SearchService(store, settings.index_dir, linker)
    templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                            autoescape=select_autoescape(["html"]))
    templates.globals.update(version=__version__, local_path=linker_path)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state["pool"] = QueryPool(settings.store_dir, settings.workers, settings.time_limit,
                                  settings.queue_wait)
        search_service.start()
        try:
            yield
        finally:
            state["pool"].close()

    app = FastAPI(
        title="skillkg",
        version=__version__,
        summary="A knowledge graph of skills mobility partnerships: search, SPARQL, linked data.",
        description=(
            "Semantic search over skills mobility partnerships and the policy frameworks around "
            "them (IOM S/25/5), a read-only SPARQL 1.1 endpoint, and a page for every IRI "
            "under https://w3id.org/skillkg/id/."),
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.state.settings = settings
    app.state.search = search_service
    app.state.pool = lambda: state.get("pool")

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
            problems.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
        return JSONResponse({"detail": "; ".join(problems)}, status_code=422)

    def html(name: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(templates.get_template(name).render(**context))

    # -- page -------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        """The web page: search box, results with explanations, SPARQL editor."""
        data = json.dumps([asdict(e) for e in examples], ensure_ascii=False).replace("</", "<\\/")
        return html("index.html", examples=examples, examples_json=data, search_types=SEARCH_TYPES,
                    build=manifest.get("started", ""))

    @app.get("/examples", summary="The example SPARQL queries of queries/")
    def list_examples() -> list[dict[str, str]]:
        """Each example's file name, the question it answers (its first comment lines), its text."""
        return [asdict(e) for e in examples]

    # -- search -----------------------------------------------------------------------------
    @app.get(
        "/search",
        response_model=SearchAnswer,
        summary="Search partnerships, agreements, concepts and passages",
        responses={
            200: {"content": {"application/json": {"example": SEARCH_EXAMPLE}}},
            422: {"model": ErrorMessage, "description": "empty or over-long q, bad k, type or mode"},
            503: {"model": ErrorMessage, "description": "the search index is not available"},
        },
    )
    def search(
        q: Annotated[str, Query(min_length=1, max_length=MAX_Q,
                                description="A question in English or French.",
                                examples=["nursing partnerships from Asia to Europe",
                                          "partenariats pour les infirmiers"])],
        k: Annotated[int, Query(ge=1, le=search_module.MAX_K, description="How many results.")] = 10,
        type: Annotated[Literal[SEARCH_TYPES] | None,  # type: ignore[valid-type]  # noqa: A002
                        Query(description="Only results of this kind.")] = None,
        mode: Annotated[Literal[SEARCH_MODES],  # type: ignore[valid-type]
                        Query(description="Ranking: hybrid+graph (default), hybrid, embedding "
                                          "or lexical.")] = "hybrid+graph",
    ) -> dict[str, Any]:
        """Answer a question: entities it names are linked (places with direction, occupations on
        the ISCO-08 hierarchy, SMP features, objectives), turned into graph constraints, and the
        candidates ranked by embeddings, BM25 and the graph.  Each result says why it matched."""
        return search_service.search(q, k, type, mode)

    # -- SPARQL -----------------------------------------------------------------------------
    sparql_doc = {
        "parameters": [
            {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "The SPARQL query (GET, or POST with application/sparql-query).",
             "example": "SELECT ?s WHERE { ?s a <https://w3id.org/skillkg/ontology#Partnership> }"},
            {"name": "default-graph-uri", "in": "query", "required": False,
             "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "named-graph-uri", "in": "query", "required": False,
             "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "format", "in": "query", "required": False,
             "schema": {"type": "string", "enum": ["json", "xml", "csv", "tsv", "turtle",
                                                   "ntriples", "jsonld", "rdfxml"]},
             "description": "Overrides the Accept header."},
        ],
        "responses": {
            "200": {"description": "The results, by Accept: SPARQL JSON/XML, CSV, TSV; Turtle, "
                                   "N-Triples, JSON-LD, RDF/XML for CONSTRUCT and DESCRIBE.",
                    "content": {m: {} for m in ("application/sparql-results+json",
                                                "application/sparql-results+xml", "text/csv",
                                                "text/tab-separated-values", "text/turtle",
                                                "application/n-triples", "application/ld+json")}},
            "400": {"description": "malformed query or parameters"},
            "403": {"description": "an update, LOAD, or SERVICE to an endpoint not allowed"},
            "406": {"description": "no acceptable result format"},
            "413": {"description": "the request body is too large"},
            "415": {"description": "unsupported Content-Type"},
            "422": {"description": "the query passed the time limit or the row limit"},
        },
    }
    post_doc = {
        **sparql_doc,
        "requestBody": {"required": False, "content": {
            "application/x-www-form-urlencoded": {"schema": {
                "type": "object", "properties": {"query": {"type": "string"}},
                "required": ["query"]}},
            "application/sparql-query": {"schema": {"type": "string"}},
        }},
    }

    async def run_sparql(request: Request) -> Response:
        body = await request.body() if request.method == "POST" else b""
        try:
            req = read_request(request.method, request.url.query,
                               request.headers.get("content-type"), body)
            tabular, graph = choose_formats(request.headers.get("accept"), req.format)
            await run_in_threadpool(inspect_query, req.query, settings.service_allow_list)
        except SparqlRequestError as exc:
            return JSONResponse({"detail": exc.message}, status_code=exc.status)
        if tabular is None and graph is None:
            return JSONResponse({"detail": "none of the accepted media types is offered; ask for "
                                 "application/sparql-results+json, …+xml, text/csv, "
                                 "text/tab-separated-values, text/turtle, application/n-triples "
                                 "or application/ld+json"}, status_code=406)
        job = QueryJob(req.query, tabular, graph, settings.row_limit, req.default_graphs,
                       req.named_graphs)
        answer = await run_in_threadpool(state["pool"].run, job)
        if isinstance(answer, JobError):
            return JSONResponse({"detail": answer.message}, status_code=answer.status)
        return Response(answer.body, media_type=answer.media_type,
                        headers={"Vary": "Accept", "X-Result-Count": str(answer.count)})

    app.add_api_route("/sparql", run_sparql, methods=["GET"], summary="SPARQL 1.1 query (GET)",
                      openapi_extra=sparql_doc, response_class=Response,
                      description="The SPARQL 1.1 Protocol, read-only.")
    app.add_api_route("/sparql", run_sparql, methods=["POST"], summary="SPARQL 1.1 query (POST)",
                      openapi_extra=post_doc, response_class=Response,
                      description="A urlencoded form with a 'query' field, or the query as an "
                                  "application/sparql-query body.")

    # -- linked data ------------------------------------------------------------------------
    @app.get(
        "/id/{kind}/{key:path}",
        summary="The page or RDF description of an individual",
        response_class=Response,
        responses={200: {"content": {"text/html": {}, "text/turtle": {}, "application/ld+json": {},
                                     "application/n-triples": {}}},
                   404: {"model": ErrorMessage}, 406: {"model": ErrorMessage}},
    )
    def entity(
        request: Request,
        kind: Annotated[str, PathParam(description="The kind of individual: " + ", ".join(iris.KINDS))],
        key: Annotated[str, PathParam(description="Its key; passages nest: iom-s-25-5/7")],
        format: FormatParam = None,  # noqa: A002
    ) -> Response:
        """HTML for browsers; Turtle, JSON-LD, N-Triples or RDF/XML by content negotiation."""
        try:
            iri = iris.individual(kind, key)
        except iris.IRIError as exc:
            raise HTTPException(404, f"no such IRI: {exc}") from exc
        fmt = _rdf_or_html(request, format)
        if not linked.exists(store, iri):
            raise HTTPException(404, f"the graph says nothing about <{iri}>")
        if fmt == "html":
            view = linked.entity_view(store, iri)
            return html("entity.html", view=view, kind=kind, kind_help=iris.KINDS[kind])
        text = serialize(linked.describe(store, iri), fmt)
        return Response(text, media_type=GRAPH_MEDIA_TYPES[fmt] + "; charset=utf-8",
                        headers={"Vary": "Accept"})

    @app.get(
        "/ontology",
        summary="The ontology, as documentation or as RDF",
        response_class=Response,
        responses={200: {"content": {"text/html": {}, "text/turtle": {}, "application/ld+json": {},
                                     "application/n-triples": {}}},
                   406: {"model": ErrorMessage}},
    )
    def ontology(request: Request, format: FormatParam = None) -> Response:  # noqa: A002
        """HTML documentation (classes, properties, domains, ranges, labels in English and French,
        definitions, citations) or the ontology graph in Turtle, JSON-LD, N-Triples or RDF/XML."""
        fmt = _rdf_or_html(request, format)
        if fmt == "html":
            return html("ontology.html", onto=linked.ontology_view(store))
        text = serialize(linked.ontology_graph(store), fmt)
        return Response(text, media_type=GRAPH_MEDIA_TYPES[fmt] + "; charset=utf-8",
                        headers={"Vary": "Accept"})

    # -- health and version -----------------------------------------------------------------
    @app.get("/health", summary="Whether the service is up, and its parts")
    def health() -> dict[str, Any]:
        """``status`` is ``ok`` when the store answers; search may still be loading."""
        store_ok = store.ask("ASK { ?s ?p ?o }")
        pool = state.get("pool")
        return {
            "status": "ok" if store_ok else "empty",
            "store": str(settings.store_dir),
            "search": search_service.state,
            "search_error": search_service.error or search_service.warmup_error,
            "sparql": asdict(pool.stats) if pool else None,
        }

    @app.get("/version", summary="Build time, triples per graph, embedding model, versions")
    def version() -> dict[str, Any]:
        """What is being served and with what software."""
        index_meta_path = settings.index_dir / "meta.json"
        index_meta = (json.loads(index_meta_path.read_text(encoding="utf-8"))
                      if index_meta_path.is_file() else {})
        graphs = manifest.get("graphs") or store.counts()
        return {
            "build": {"started": manifest.get("started"), "location": str(settings.build_dir),
                      "classified_smps": manifest.get("classified_smps", [])},
            "graphs": graphs,
            "triples": sum(graphs.values()),
            "embedding_model": index_meta.get("model"),
            "index": index_meta,
            "versions": _versions(),
            "sparql": {"time_limit_s": settings.time_limit, "row_limit": settings.row_limit,
                       "workers": settings.workers,
                       "service_allow_list": list(settings.service_allow_list)},
        }

    return app


def linker_path(iri: str | None) -> str | None:
    """Template helper: the local page of an IRI, if this server shows it."""
    return linked.local_path(iri) if iri else None


def serve(settings: ApiSettings, host: str = "127.0.0.1", port: int = 8000,
          log_level: str = "info") -> None:
    """Run the service with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level,
                timeout_graceful_shutdown=5)
