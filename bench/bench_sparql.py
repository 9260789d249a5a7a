"""SPARQL latency of the research queries: the embedded Oxigraph store against rdflib's
in-memory engine on the same data, in the same run.

    python -m bench.bench_sparql [--store var/current/store] [--repeat 20]

Prints a table (p50 per query for both, and the ratio) and writes
bench/reports/sparql.md with a plot.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from multiprocessing.queues import Queue
from pathlib import Path

import rdflib

from bench.common import REPORTS, bar_plot, markdown_table, measure, write_report
from skillkg import config
from skillkg.store import Store


def rdflib_copy(store: Store) -> rdflib.Dataset:
    """The same named graphs in an rdflib Dataset whose default graph is their union."""
    ds = rdflib.Dataset(default_union=True)
    for graph in store.graphs():
        data = store.construct(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph}
        )
        nt = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in data.triples)
        ds.graph(rdflib.URIRef(graph)).parse(data=nt, format="nt")
    return ds


def _rdflib_worker(baseline: rdflib.Dataset, text: str, repeat: int, out: Queue) -> None:
    """Time ``text`` on rdflib in a child process (forked, so the dataset is shared)."""
    try:
        t0 = time.perf_counter()
        list(baseline.query(text))
        first = time.perf_counter() - t0
        timing = measure("rdflib", lambda: list(baseline.query(text)),
                         repeat=1 if first > 5 else max(3, repeat // 4), warmup=0)
        out.put(timing.p50)
    except Exception as exc:  # noqa: BLE001 - rdflib's failure is a finding, not a crash
        out.put(f"error: {type(exc).__name__}")


def time_rdflib(baseline: rdflib.Dataset, text: str, repeat: int, timeout: float) -> float | str:
    """rdflib's p50 in ms for ``text``, or why there is none (an error, or over ``timeout`` s)."""
    ctx = multiprocessing.get_context("fork")
    out: Queue = ctx.Queue()
    child = ctx.Process(target=_rdflib_worker, args=(baseline, text, repeat, out))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return f"over {timeout:.0f} s"
    return out.get() if not out.empty() else "error: the worker died"


def run(store_path: Path, queries_dir: Path, repeat: int, timeout: float) -> list[list[object]]:
    """Time every query of ``queries_dir`` on both engines; return table rows."""
    store = Store.open(store_path, read_only=True)
    baseline = rdflib_copy(store)
    rows = []
    for path in sorted(queries_dir.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        ox_t = measure(path.stem, lambda text=text: store.query(text), repeat=repeat)
        n = len(store.query(text))  # type: ignore[arg-type]
        rd = time_rdflib(baseline, text, repeat, timeout)
        ratio = rd / max(ox_t.p50, 1e-6) if isinstance(rd, float) else "—"
        rows.append([path.stem, n, ox_t.p50, ox_t.p95, rd, ratio])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--queries", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="Seconds an rdflib query may take before it is given up.")
    args = parser.parse_args()
    paths = config.paths()
    rows = run(args.store or paths.store, args.queries or paths.queries, args.repeat, args.timeout)
    headers = ["query", "rows", "oxigraph p50 ms", "oxigraph p95 ms", "rdflib p50 ms",
               "rdflib / oxigraph"]
    table = markdown_table(headers, rows)
    ratios = [r[5] for r in rows if isinstance(r[5], float)]
    failed = [r[0] for r in rows if not isinstance(r[5], float)]
    summary = (f"Median speed-up of the embedded store over rdflib: "
               f"**{statistics.median(ratios):.1f}×** (min {min(ratios):.1f}×, "
               f"max {max(ratios):.1f}×) over the {len(ratios)} queries both engines answer"
               + (f"; rdflib fails or times out on {', '.join(failed)} (see the table)."
                  if failed else "."))
    plot = bar_plot(REPORTS / "sparql.png", [r[0] for r in rows],
                    {"oxigraph": [r[2] for r in rows],
                     "rdflib": [r[4] if isinstance(r[4], float) else float("nan") for r in rows]},
                    "p50 latency (ms, log)", "research queries", log=True)
    print(table)
    print(summary)
    write_report("sparql", "SPARQL latency: embedded Oxigraph vs rdflib in memory",
                 [summary, table, f"![latency per query]({plot.name})"])


if __name__ == "__main__":
    main()
