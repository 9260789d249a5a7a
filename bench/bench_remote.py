"""The remote backend against the embedded store: the research queries over HTTP.

    python -m bench.bench_remote [--store var/current/store] [--repeat 20]
                                 [--endpoint http://host:port/query --no-load]

By default it starts an Oxigraph server (the ``oxigraph`` PyPI package) on 127.0.0.1
with ``--union-default-graph`` in a temporary folder, loads every named graph of the
build into it through the SPARQL 1.1 Graph Store HTTP Protocol (timed), checks that
each query gives the same number of rows on both, and times every ``queries/*.rq`` on
the embedded store and on the server (SPARQL 1.1 Protocol, JSON results parsed into the
same Python objects).  ``--endpoint`` measures another server instead (with
``--no-load`` if it already holds the data).  Prints a table and writes
``bench/reports/remote.md`` with a plot.  Figures only.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.common import REPORTS, bar_plot, markdown_table, measure, write_report
from skillkg import config
from skillkg.store import Store


@contextmanager
def oxigraph_server() -> Iterator[str]:
    """Start an Oxigraph server on a free port of 127.0.0.1; yield its base URL."""
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="skillkg-remote-bench-") as location:
        proc = subprocess.Popen(
            [exe, "serve", "--location", location, "--bind", f"127.0.0.1:{port}",
             "--union-default-graph"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=1)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise SystemExit("the oxigraph server did not start: "
                                         + proc.stderr.read().decode()) from None
                    time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def load(local: Store, remote: Store) -> tuple[float, int]:
    """Copy every named graph of ``local`` to ``remote`` (Graph Store PUT); seconds, triples."""
    t0 = time.perf_counter()
    n = 0
    for graph in remote.graphs():
        remote.drop_graph(graph)
    for graph in local.graphs():
        triples = local.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                                  {"g": graph}).triples
        remote.replace_graph(graph, triples)
        n += len(triples)
    return time.perf_counter() - t0, n


def run(local: Store, remote: Store, queries: Path, repeat: int) -> list[list[object]]:
    """Time every query on both stores; return table rows."""
    rows = []
    for path in sorted(queries.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        n_local, n_remote = len(local.query(text)), len(remote.query(text))  # type: ignore[arg-type]
        if n_local != n_remote:
            raise SystemExit(f"{path.name}: {n_local} rows embedded but {n_remote} remote")
        lt = measure(path.stem, lambda text=text: local.query(text), repeat=repeat)
        rt = measure(path.stem, lambda text=text: remote.query(text), repeat=repeat)
        rows.append([path.stem, n_local, lt.p50, lt.p95, rt.p50, rt.p95,
                     rt.p50 / max(lt.p50, 1e-6)])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=None, help="embedded store (default: "
                        "the current build's)")
    parser.add_argument("--queries", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--endpoint", default=None,
                        help="a SPARQL query endpoint to measure instead of a local server")
    parser.add_argument("--no-load", action="store_true",
                        help="with --endpoint: the server already holds the data")
    args = parser.parse_args()
    paths = config.paths()
    local = Store.open(args.store or paths.store, read_only=True)
    queries = args.queries or paths.queries

    def measure_at(query_endpoint: str) -> tuple[list[list[object]], str]:
        remote = Store.remote(query_endpoint)
        note = "data already on the server"
        if not args.no_load:
            seconds, n = load(local, remote)
            note = (f"Loading {len(local.graphs())} named graphs ({n:,} triples) through the "
                    f"Graph Store protocol took {seconds:.2f} s")
        return run(local, remote, queries, args.repeat), note

    if args.endpoint:
        rows, note = measure_at(args.endpoint)
        server = args.endpoint
    else:
        with oxigraph_server() as url:
            rows, note = measure_at(url + "/query")
        server = "Oxigraph server 0.5 (PyPI `oxigraph`) on 127.0.0.1, `--union-default-graph`"
    headers = ["query", "rows", "embedded p50 ms", "embedded p95 ms", "remote p50 ms",
               "remote p95 ms", "remote / embedded"]
    table = markdown_table(headers, rows)
    overhead = [r[4] - r[2] for r in rows]
    summary = (
        f"Remote store: {server}. {note}. Median query p50: embedded "
        f"**{statistics.median(r[2] for r in rows):.2f} ms**, remote "
        f"**{statistics.median(r[4] for r in rows):.2f} ms**; the median HTTP round trip "
        f"and JSON parsing add {statistics.median(overhead):.2f} ms per query. Every query "
        "gave the same number of rows on both (tests/test_remote_queries.py checks the "
        "rows themselves). Same machine, so no network latency is included: a server "
        "elsewhere adds its round-trip time to every query. The machine was shared with "
        "other jobs while this ran; figures are noisy."
    )
    plot = bar_plot(REPORTS / "remote.png", [r[0] for r in rows],
                    {"embedded": [r[2] for r in rows], "remote": [r[4] for r in rows]},
                    "p50 latency (ms, log)", "research queries: embedded vs remote", log=True)
    print(table)
    print(summary)
    write_report("remote", "Remote SPARQL backend vs the embedded store",
                 [summary, table, f"![latency per query]({plot.name})"])


if __name__ == "__main__":
    main()
