"""SPARQL latency of the research queries: the embedded Oxigraph store against rdflib's
in-memory engine on the same data, in the same run.

    python -m bench.bench_sparql [--store var/current/store] [--repeat 20]

Prints a table (p50 per query for both, and the ratio) and writes
bench/reports/sparql.md with a plot.
"""

from __future__ import annotations

import argparse
import statistics
import time
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


def run(store_path: Path, queries_dir: Path, repeat: int) -> list[list[object]]:
    """Time every query of ``queries_dir`` on both engines; return table rows."""
    store = Store.open(store_path, read_only=True)
    baseline = rdflib_copy(store)
    rows = []
    for path in sorted(queries_dir.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        ox_t = measure(path.stem, lambda text=text: store.query(text), repeat=repeat)
        n = len(store.query(text))  # type: ignore[arg-type]
        try:
            # one timed run first: a query rdflib takes seconds over is not repeated
            t0 = time.perf_counter()
            list(baseline.query(text))
            first = time.perf_counter() - t0
            rd_t = measure(path.stem, lambda text=text: list(baseline.query(text)),
                           repeat=1 if first > 5 else max(3, repeat // 4), warmup=0)
            rows.append([path.stem, n, ox_t.p50, ox_t.p95, rd_t.p50,
                         rd_t.p50 / max(ox_t.p50, 1e-6)])
        except Exception as exc:  # noqa: BLE001 - rdflib's failure is a finding, not a crash
            rows.append([path.stem, n, ox_t.p50, ox_t.p95, f"error: {type(exc).__name__}", "—"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--queries", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    paths = config.paths()
    rows = run(args.store or paths.store, args.queries or paths.queries, args.repeat)
    headers = ["query", "rows", "oxigraph p50 ms", "oxigraph p95 ms", "rdflib p50 ms",
               "rdflib / oxigraph"]
    table = markdown_table(headers, rows)
    ratios = [r[5] for r in rows if isinstance(r[5], float)]
    failed = [r[0] for r in rows if not isinstance(r[5], float)]
    summary = (f"Median speed-up of the embedded store over rdflib: "
               f"**{statistics.median(ratios):.1f}×** (min {min(ratios):.1f}×, "
               f"max {max(ratios):.1f}×) over the {len(ratios)} queries both engines answer"
               + (f"; rdflib fails on {', '.join(failed)} (see the table)." if failed else "."))
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
