"""The SPARQL 1.1 endpoint: reading requests, refusing writes, choosing formats, running safely.

Three concerns, each in its own part of this module:

* **Protocol** (:func:`read_request`): the SPARQL 1.1 Protocol's three ways of
  sending a query (``GET ?query=``, a urlencoded form, an
  ``application/sparql-query`` body), its dataset parameters, and the refusal
  of the update operation, since the endpoint is read-only.
* **Inspection** (:func:`inspect_query`): the query is parsed into SPARQL algebra
  (rdflib's parser) before it runs; ``SERVICE`` calls to endpoints that are not
  on the allow-list, and ``SERVICE`` on a variable, are refused.  Updates and
  ``LOAD`` cannot run at all: queries are evaluated by pyoxigraph's *query*
  evaluator, which has no update operations; they are also recognised, to say
  so clearly.
* **Execution** (:class:`QueryPool`): pyoxigraph cannot interrupt a query from
  another thread, so queries run in worker processes, each with the store
  opened read-only.  A query that passes the time limit has its worker killed
  (and replaced); one that returns more rows than the row limit is stopped as
  soon as it does.  The web server's own threads only wait, so it keeps
  answering other requests while a query runs.
"""

from __future__ import annotations

import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import parse_qs

from skillkg.results import GRAPH_MEDIA_TYPES, TABULAR_MEDIA_TYPES, FormatError, serialize

# -- errors --------------------------------------------------------------------------------


class SparqlRequestError(Exception):
    """A request the endpoint answers with an HTTP error; ``status`` and a message that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# -- protocol --------------------------------------------------------------------------------

FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


@dataclass(frozen=True)
class SparqlRequest:
    """One query as the protocol delivered it."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format: str | None = None  # an explicit ``format=`` parameter, overriding Accept


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise SparqlRequestError(400, f"the parameter {name!r} is given {len(values)} times; give it once")
    return values[0] if values else None


def _from_params(params: dict[str, list[str]], query: str | None = None) -> SparqlRequest:
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise SparqlRequestError(
            403, "this SPARQL endpoint is read-only: SPARQL Update requests are refused and never run"
        )
    text = query if query is not None else _one(params, "query")
    if text is None or not text.strip():
        raise SparqlRequestError(
            400, "no query: send it as the 'query' parameter, a urlencoded form field 'query', "
            "or an application/sparql-query body"
        )
    return SparqlRequest(
        query=text,
        default_graphs=tuple(params.get("default-graph-uri", [])),
        named_graphs=tuple(params.get("named-graph-uri", [])),
        format=_one(params, "format"),
    )


def read_request(method: str, query_string: str, content_type: str | None,
                 body: bytes) -> SparqlRequest:
    """Read a SPARQL 1.1 Protocol query request, or raise :class:`SparqlRequestError`.

    ``GET`` carries the query in the query string; ``POST`` carries it in a
    urlencoded form or, with ``application/sparql-query``, as the body (the
    dataset parameters then stay in the query string).
    """
    try:
        params = parse_qs(query_string, keep_blank_values=True, strict_parsing=False,
                          errors="strict")
    except UnicodeDecodeError as exc:
        raise SparqlRequestError(400, f"the query string is not valid UTF-8: {exc}") from exc
    if method == "GET":
        return _from_params(params)
    media = (content_type or "").split(";")[0].strip().lower()
    if media == UPDATE_TYPE:
        raise SparqlRequestError(
            403, "this SPARQL endpoint is read-only: SPARQL Update requests are refused and never run"
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SparqlRequestError(400, f"the request body is not valid UTF-8: {exc}") from exc
    if media == FORM_TYPE:
        form = parse_qs(text, keep_blank_values=True)
        for name, values in params.items():  # dataset parameters may also sit in the URL
            form.setdefault(name, values)
        return _from_params(form)
    if media == QUERY_TYPE:
        return _from_params(params, query=text)
    raise SparqlRequestError(
        415, f"unsupported Content-Type {media or '(none)'!r} for POST /sparql: use "
        f"{FORM_TYPE} (a form with a 'query' field) or {QUERY_TYPE} (the query as the body)"
    )


# -- content negotiation ----------------------------------------------------------------------

#: Media types a client may ask for, by result kind, mapped to skillkg.results format names.
TABULAR_ACCEPT: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_ACCEPT: dict[str, str] = {
    "text/turtle": "turtle",
    "application/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/xml": "rdfxml",
    "text/xml": "rdfxml",
}
_FORMAT_ALIASES = {"ttl": "turtle", "nt": "ntriples", "json-ld": "jsonld", "rdf": "rdfxml"}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header, most preferred first (ties keep their order)."""
    if not header:
        return []
    ranges = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(f[2:])))
                except ValueError:
                    q = 0.0
        ranges.append((i, media, q))
    ranges.sort(key=lambda r: (-r[2], r[0]))
    return [(media, q) for _, media, q in ranges if q > 0]


def negotiate(accept: str | None, offers: dict[str, str], default: str) -> str | None:
    """The format name to answer with, given an Accept header and ``offers`` (media → format).

    No Accept header (or ``*/*``) gives ``default``; ``None`` means nothing acceptable.
    """
    ranges = parse_accept(accept)
    if not accept or not accept.strip():
        return default
    for media, _q in ranges:
        if media in ("*/*", "*"):
            return default
        if media.endswith("/*"):
            # a range matches each format's own media type (its first in ``offers``), not aliases
            top = media[:-1]
            canonical: dict[str, str] = {}
            for m, f in offers.items():
                canonical.setdefault(f, m)
            if canonical[default].startswith(top):
                return default
            for f, m in canonical.items():
                if m.startswith(top):
                    return f
            continue
        if media in offers:
            return offers[media]
    return None


def choose_formats(accept: str | None, explicit: str | None) -> tuple[str | None, str | None]:
    """The formats for a SELECT/ASK result and for a CONSTRUCT/DESCRIBE result."""
    if explicit:
        name = _FORMAT_ALIASES.get(explicit.lower(), explicit.lower())
        tabular = name if name in TABULAR_MEDIA_TYPES else None
        graph = name if name in GRAPH_MEDIA_TYPES else None
        if tabular is None and graph is None:
            raise SparqlRequestError(
                400, f"unknown format {explicit!r}; use one of "
                + ", ".join([*TABULAR_MEDIA_TYPES, *GRAPH_MEDIA_TYPES])
            )
        return tabular, graph
    return negotiate(accept, TABULAR_ACCEPT, "json"), negotiate(accept, GRAPH_ACCEPT, "turtle")


# -- inspection -------------------------------------------------------------------------------

_PARSE_LOCK = threading.Lock()  # rdflib's pyparsing grammar keeps shared state

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][\w]+)
  | (?P<word>[A-Za-z_][\w.-]*(?::[\w.%-]*)?|:[\w.%-]*)
  | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)


def keywords(text: str) -> set[str]:
    """The bare words of a SPARQL text, upper-cased, outside comments, strings and IRIs.

    A fallback for text rdflib's parser does not accept: prefixed names,
    variables, literals and comments never count as keywords.
    """
    found = set()
    for m in _TOKEN.finditer(text):
        if m.lastgroup == "word" and ":" not in m.group():
            found.add(m.group().upper())
    return found


@dataclass(frozen=True)
class QueryInfo:
    """What inspection learnt about a query before it runs."""

    form: str | None  # "select", "ask", "construct", "describe"; None if rdflib could not parse it
    services: tuple[str, ...] = ()


_UPDATE_NAMES = {
    "InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT", "Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP",
    "Create": "CREATE", "Add": "ADD", "Move": "MOVE", "Copy": "COPY",
}


def _walk(node: object) -> Iterable[object]:
    stack = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, dict):
            stack.extend(v for k, v in item.items() if k != "_vars")
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif hasattr(item, "asList") and not isinstance(item, str):  # pyparsing ParseResults
            stack.extend(list(item))


@lru_cache(maxsize=512)
def _inspect(text: str) -> QueryInfo:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.term import URIRef, Variable

    with _PARSE_LOCK:
        try:
            parsed = parseQuery(text)
        except ParseException:
            parsed = None
        if parsed is None:
            try:
                update = parseUpdate(text)
            except Exception:  # noqa: BLE001 - anything rdflib cannot read as an update
                update = None
            requests = list(update.get("request") or []) if update is not None else []
            if requests:
                ops = sorted({_UPDATE_NAMES.get(r.name, r.name) for r in requests})
                raise SparqlRequestError(
                    403, f"this SPARQL endpoint is read-only: {', '.join(ops)} is an update "
                    "operation; it is refused and was not run"
                )
            return QueryInfo(form=None)
        try:
            algebra = translateQuery(parsed).algebra
        except Exception:  # noqa: BLE001 - valid per the grammar, not translatable by rdflib
            return QueryInfo(form=None)
    form = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "construct",
            "DescribeQuery": "describe"}.get(getattr(parsed[1], "name", ""), None)
    services: list[str] = []
    for node in _walk(algebra):
        if getattr(node, "name", None) == "ServiceGraphPattern":
            endpoint = node.get("term")  # type: ignore[attr-defined]
            if isinstance(endpoint, Variable):
                raise SparqlRequestError(
                    403, f"SERVICE ?{endpoint} is refused: a SERVICE endpoint must be a fixed IRI "
                    "on the server's allow-list"
                )
            if isinstance(endpoint, URIRef):
                services.append(str(endpoint))
    return QueryInfo(form=form, services=tuple(sorted(set(services))))


def inspect_query(text: str, allow: Iterable[str] = ()) -> QueryInfo:
    """Check ``text`` before it runs; raise :class:`SparqlRequestError` if it must not.

    Refused: update operations (including ``LOAD``), ``SERVICE`` on a variable,
    and ``SERVICE`` to any endpoint not in ``allow``.  Text rdflib cannot parse
    goes on to pyoxigraph's parser, which reports syntax errors, unless it has
    a bare ``SERVICE`` keyword, which cannot then be checked and is refused.
    """
    allowed = set(allow)
    info = _inspect(text)
    if info.form is None and "SERVICE" in keywords(text):
        raise SparqlRequestError(
            403, "the query uses SERVICE in a form the endpoint cannot check against its "
            "allow-list; it is refused and was not run"
        )
    refused = [s for s in info.services if s not in allowed]
    if refused:
        hint = (f"allowed endpoints: {', '.join(sorted(allowed))}" if allowed
                else "no SERVICE endpoint is allowed on this server (SKILLKG_SPARQL_SERVICES)")
        raise SparqlRequestError(
            403, f"SERVICE <{refused[0]}> is refused: the endpoint is not on the allow-list "
            f"({hint}); the query was not run"
        )
    return info


# -- execution --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryJob:
    """What a worker needs to run one query and write its answer."""

    query: str
    tabular_format: str | None
    graph_format: str | None
    row_limit: int
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobOk:
    """A query's answer, already serialised."""

    media_type: str
    body: bytes
    kind: str
    count: int


@dataclass(frozen=True)
class JobError:
    """Why a query produced no answer, as an HTTP status and a message."""

    status: int
    message: str


def execute(store: object, job: QueryJob) -> JobOk | JobError:
    """Run ``job`` on a :class:`~skillkg.store.Store` and serialise the answer (in a worker)."""
    import pyoxigraph as ox

    from skillkg.store import GraphResult, QuerySyntaxError, Store, _materialise

    assert isinstance(store, Store)
    try:
        if job.default_graphs or job.named_graphs:
            raw = store.backend.store.query(  # type: ignore[attr-defined]
                job.query,
                default_graph=[ox.NamedNode(g) for g in job.default_graphs] or None,
                named_graphs=[ox.NamedNode(g) for g in job.named_graphs] or None,
                use_default_graph_as_union=not job.default_graphs,
            )
            result = _materialise(raw, job.row_limit)
        else:
            result = store.query(job.query, limit=job.row_limit)
    except (QuerySyntaxError, SyntaxError) as exc:
        return JobError(400, f"the query is not valid SPARQL: {exc}")
    except ValueError as exc:  # e.g. a dataset IRI that is not an IRI
        return JobError(400, f"the query cannot run: {exc}")
    except OSError as exc:
        return JobError(502, f"the query failed while evaluating: {exc}")
    if getattr(result, "truncated", False):
        what = "triples" if isinstance(result, GraphResult) else "rows"
        return JobError(
            422, f"the query returns more than {job.row_limit} {what}, the endpoint's row limit; "
            "it was stopped. Add a LIMIT (and OFFSET to page), or narrow the query"
        )
    fmt = job.graph_format if isinstance(result, GraphResult) else job.tabular_format
    offers = GRAPH_MEDIA_TYPES if isinstance(result, GraphResult) else TABULAR_MEDIA_TYPES
    if fmt is None:
        return JobError(406, f"none of the accepted media types fits a {result.kind} result; "
                        f"ask for one of {', '.join(offers.values())}")
    try:
        text = serialize(result, fmt)
    except FormatError as exc:
        return JobError(406, str(exc))
    count = len(result) if hasattr(result, "__len__") else 1
    return JobOk(f"{offers[fmt]}; charset=utf-8", text.encode("utf-8"), result.kind, count)


def _die_with_parent() -> None:
    """On Linux, ask the kernel to kill this worker if the server dies mid-query."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere the worker stops at its next read, when the pipe closes


def worker_main(fd: int, store_path: str) -> None:
    """A worker process: open the store read-only, then answer jobs until told to stop.

    Started by :class:`QueryPool` as ``python -c`` with one end of a socket pair
    as ``fd``, so it never re-imports the server's ``__main__``.
    """
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when workers stop
    from skillkg.store import Store, StoreError

    conn = Connection(fd)
    try:
        store = Store.open(store_path, read_only=True)
    except StoreError as exc:
        conn.send(("fatal", str(exc)))
        return
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(execute(store, job))


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    ready: bool = False

    def wait_ready(self, timeout: float) -> str | None:
        """Wait for the worker to open the store; an error message if it could not."""
        if self.ready:
            return None
        if not self.conn.poll(timeout):
            return f"a query worker did not start within {timeout:g} s"
        status, detail = self.conn.recv()
        if status != "ready":
            return f"a query worker could not open the store: {detail}"
        self.ready = True
        return None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self.conn.close()


@dataclass
class PoolStats:
    """What the pool has done, for /health and tests."""

    workers: int
    busy: int = 0
    answered: int = 0
    timed_out: int = 0
    restarted: int = 0


class QueryPool:
    """Worker processes that run queries with a time limit; see the module docstring.

    :meth:`run` blocks its calling thread until the answer, the time limit, or
    a free worker is not found in ``queue_wait`` seconds; call it from a
    thread pool, never on the event loop.
    """

    START_TIMEOUT = 60.0

    def __init__(self, store_path: Path, workers: int, time_limit: float,
                 queue_wait: float | None = None) -> None:
        self.store_path = str(store_path)
        self.time_limit = time_limit
        self.queue_wait = queue_wait if queue_wait is not None else time_limit + 30.0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._workers: set[_Worker] = set()
        self.stats = PoolStats(workers=workers)
        for _ in range(workers):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        # a fresh interpreter, never a fork of the threaded server
        parent, child = socket.socketpair()
        code = "import sys; from skillkg.api.sparql import worker_main; " \
               "worker_main(int(sys.argv[1]), sys.argv[2])"
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(child.fileno()), self.store_path],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
        )
        child.close()
        worker = _Worker(process, Connection(parent.detach()))
        with self._lock:
            self._workers.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> _Worker | None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            self.stats.restarted += 1
            closed = self._closed
        return None if closed else self._spawn()

    def run(self, job: QueryJob) -> JobOk | JobError:
        """Run ``job`` in a free worker, within the time limit."""
        try:
            worker: _Worker | None = self._idle.get(timeout=self.queue_wait)
        except queue.Empty:
            return JobError(503, f"all {self.stats.workers} query workers are busy; retry shortly")
        assert worker is not None
        replace = False
        with self._lock:
            self.stats.busy += 1
        try:
            problem = worker.wait_ready(self.START_TIMEOUT)
            if problem:
                replace = True
                return JobError(503, problem)
            worker.conn.send(job)
            if not worker.conn.poll(self.time_limit):
                replace = True
                with self._lock:
                    self.stats.timed_out += 1
                return JobError(
                    422, f"the query ran longer than the endpoint's time limit of "
                    f"{self.time_limit:g} s and was stopped; narrow it or add a LIMIT"
                )
            answer = worker.conn.recv()
            with self._lock:
                self.stats.answered += 1
            return answer
        except (EOFError, OSError):
            replace = True
            return JobError(503, "the query worker stopped unexpectedly; retry the query")
        finally:
            with self._lock:
                self.stats.busy -= 1
            if replace:
                worker = self._retire(worker)
            if worker is not None:
                self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
            try:
                worker.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
            worker.kill()
