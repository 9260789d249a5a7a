"""How costs grow: the real graph grown ×10, ×100, ×1000 by :mod:`bench.scale`, measured.

    python -m bench.bench_scale [--factors 1,10,100,1000] [--passages 0,10000,100000,1000000]
                                [--rdflib-max 10] [--repeat 10] [--budget 4] [--base var/current]

At each size (factor × the curated records, plus synthetic passages):

* **load**: bulk-loading the base build and the synthetic N-Quads into an embedded
  Oxigraph store on disk; store size on disk;
* **SPARQL**: p50/p95 of every ``queries/*.rq`` on Oxigraph (through :class:`Store`, rows
  materialised as users get them) and, where feasible (``--rdflib-max``), on rdflib's
  in-memory engine over the same data; beyond that size rdflib is skipped and the
  report says so;
* **vectors**: FAISS search latency p50/p95/p99 (k=10, one query at a time) for the
  exact index and the IVF index :mod:`skillkg.index` switches to beyond
  ``EXACT_LIMIT`` vectors, recall@10 of IVF against exact, build time and size on disk.
  The real build's vectors are used, and seeded synthetic vectors
  (:func:`bench.scale.synthetic_vectors`) for the rest;
* **peak memory**: every part runs in its own subprocess, so each peak RSS is that
  part's at that size.

Data goes under ``--work`` (default ``var/bench/scale``) and each size's store is
deleted after it is measured unless ``--keep``.  Prints tables and writes
``bench/reports/scale.md`` with log-log plots.  The full default run took 33 minutes on
two busy cores with queries cut at 120 s; the default cut is now 60 s, which saves about
eight minutes at ×100 and ×1000, where several queries hit it.  ``--factors 1,10,100
--passages 0,10000,100000`` takes about five minutes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import REPORTS, Timing, dir_size_mb, line_plot, markdown_table, write_report

#: Curated records the factors multiply; set from the base build at run time.
BASE_RECORDS = 34


# -- children: each prints one JSON line -------------------------------------------------------

def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timings(fn, repeat: int, budget_s: float, warmup: int = 1) -> Timing:  # noqa: ANN001
    """Run ``fn`` ``warmup`` times, then up to ``repeat`` times or until ``budget_s`` is spent.

    A warm-up run that alone takes longer than ``budget_s`` is kept as the only sample,
    so a slow query is not run twice.
    """
    for _ in range(warmup):
        t0 = time.perf_counter()
        fn()
        first = (time.perf_counter() - t0) * 1000
        if first > budget_s * 1000:
            return Timing("", [first])
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < repeat:
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() > deadline:
            break
    return Timing("", samples)


def child_generate(args: argparse.Namespace) -> dict[str, object]:
    """Generate one size's synthetic N-Quads from the base store's profile."""
    from bench import scale
    from skillkg.store import Store

    base = Store.open(args.base_store, read_only=True)
    profile = scale.read_profile(base, Path(args.sources))
    t0 = time.perf_counter()
    data = scale.write_dataset(profile, Path(args.out), args.partnerships, args.passages,
                               args.seed)
    return {"quads": data.quads, "seconds": time.perf_counter() - t0,
            "records": len(profile.records), "peak_rss_mb": _peak_mb()}


def child_oxigraph(args: argparse.Namespace) -> dict[str, object]:
    """Load base + synthetic into an embedded store on disk; time every research query.

    Each query is timed in a process of its own (:func:`child_oxquery`) with a time limit
    (``--query-timeout``), because a query running inside Oxigraph cannot be interrupted.
    """
    import pyoxigraph as ox

    from skillkg.store import Store

    target = Path(args.out)
    if target.exists():
        shutil.rmtree(target)
    store = Store.open(target)
    raw: ox.Store = store.backend.store  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    for path in args.data:
        raw.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    raw.flush()
    load_s = time.perf_counter() - t0
    # bulk_load leaves uncompacted files; compacting once makes aggregate queries several
    # times faster at a million passages (probe: training-locations 5.6 s -> 0.7 s)
    t0 = time.perf_counter()
    raw.optimize()
    optimize_s = time.perf_counter() - t0
    triples = len(raw)
    store.close()
    del store, raw
    load_peak = _peak_mb()
    queries: dict[str, dict[str, object]] = {}
    query_peak = 0.0
    for q in sorted(Path(args.queries).glob("*.rq")):
        try:
            answer = run_child("oxquery", timeout=args.query_timeout, out=target, query=q,
                               repeat=args.repeat, budget=args.budget)
        except subprocess.TimeoutExpired:
            queries[q.stem] = {"timeout": args.query_timeout}
            continue
        query_peak = max(query_peak, float(answer.pop("peak_rss_mb")))
        queries[q.stem] = answer
    return {"load_s": load_s, "optimize_s": optimize_s, "triples": triples,
            "store_mb": dir_size_mb(target),
            "queries": queries, "peak_rss_mb": load_peak, "query_peak_rss_mb": query_peak}


def child_oxquery(args: argparse.Namespace) -> dict[str, object]:
    """Time one query on the store at ``args.out``, opened read-only."""
    from skillkg.store import Store

    store = Store.open(args.out, read_only=True)
    text = Path(args.query).read_text(encoding="utf-8")
    t = _timings(lambda: store.query(text), args.repeat, args.budget)
    rows = len(store.query(text))  # type: ignore[arg-type]
    return {"p50": t.p50, "p95": t.p95, "rows": rows, "n": len(t.samples_ms),
            "peak_rss_mb": _peak_mb()}


class _Timeout(Exception):
    """A query ran past its time limit."""


def child_rdflib(args: argparse.Namespace) -> dict[str, object]:
    """Load the same N-Quads into rdflib's in-memory Dataset; time every research query.

    Each query gets ``--rdflib-timeout`` seconds in all (SIGALRM interrupts rdflib's
    pure-Python evaluation); a query that runs past it is recorded as a timeout, one that
    rdflib cannot evaluate as an error with rdflib's message.
    """
    import signal

    import rdflib

    def alarm(_signum: int, _frame: object) -> None:
        raise _Timeout

    signal.signal(signal.SIGALRM, alarm)
    t0 = time.perf_counter()
    ds = rdflib.Dataset(default_union=True)
    for path in args.data:
        ds.parse(path, format="nquads")
    load_s = time.perf_counter() - t0
    queries: dict[str, dict[str, object]] = {}
    for q in sorted(Path(args.queries).glob("*.rq")):
        text = q.read_text(encoding="utf-8")
        signal.alarm(int(args.rdflib_timeout))
        try:
            t = _timings(lambda text=text: list(ds.query(text)), max(3, args.repeat // 3),
                         args.budget, warmup=0)
            queries[q.stem] = {"p50": t.p50, "p95": t.p95, "n": len(t.samples_ms)}
        except _Timeout:
            queries[q.stem] = {"timeout": args.rdflib_timeout}
        except Exception as exc:  # noqa: BLE001 - rdflib's own failures are a finding
            queries[q.stem] = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        finally:
            signal.alarm(0)
    return {"load_s": load_s, "triples": len(ds), "queries": queries,
            "peak_rss_mb": _peak_mb()}


def child_vectors(args: argparse.Namespace) -> dict[str, object]:
    """Exact vs IVF FAISS at ``args.vectors`` vectors: latency, recall@10, build, size."""
    import faiss
    import numpy as np

    from bench.scale import synthetic_vectors
    from skillkg.index import EXACT_LIMIT, SEARCH_THREADS, ivf_index

    real = np.load(args.real_vectors) if args.real_vectors else np.zeros((0, args.dim), "f4")
    dim = real.shape[1] if real.size else args.dim
    n = max(args.vectors, len(real))
    vectors = np.empty((n, dim), dtype=np.float32)
    vectors[: len(real)] = real
    vectors[len(real):] = synthetic_vectors(n - len(real), dim, seed=args.seed)
    queries = synthetic_vectors(args.nq, dim, seed=args.seed + 7)
    work = Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    k = 10
    out: dict[str, object] = {"vectors": n, "dimension": dim,
                              "shipped": "IndexFlatIP" if n <= EXACT_LIMIT else "IndexIVFFlat"}

    def search_all(index) -> tuple[Timing, np.ndarray]:  # noqa: ANN001
        faiss.omp_set_num_threads(SEARCH_THREADS)  # as skillkg.index.SearchIndex searches
        ids = np.empty((len(queries), k), dtype=np.int64)
        samples = []
        for i, q in enumerate(queries):
            t0 = time.perf_counter()
            _, found = index.search(q.reshape(1, -1), k)
            samples.append((time.perf_counter() - t0) * 1000)
            ids[i] = found[0]
        return Timing("", samples), ids

    threads = faiss.omp_get_max_threads()
    t0 = time.perf_counter()
    exact = faiss.IndexFlatIP(dim)
    exact.add(vectors)
    out["exact_build_s"] = time.perf_counter() - t0
    search_all(exact)  # warm-up
    timing, truth = search_all(exact)
    out["exact"] = {"p50": timing.p50, "p95": timing.p95, "p99": timing.p99}
    faiss.write_index(exact, str(work / "exact.index"))
    out["exact_mb"] = (work / "exact.index").stat().st_size / 2**20
    del exact

    faiss.omp_set_num_threads(threads)  # build as `skillkg build` does, on every core
    t0 = time.perf_counter()
    ivf = ivf_index(vectors)
    out["ivf_build_s"] = time.perf_counter() - t0
    out["nlist"], out["nprobe"] = int(ivf.nlist), int(ivf.nprobe)
    search_all(ivf)
    timing, found = search_all(ivf)
    out["ivf"] = {"p50": timing.p50, "p95": timing.p95, "p99": timing.p99}
    recall = np.mean([len(set(found[i]) & set(truth[i])) / k for i in range(len(queries))])
    out["recall_at_10"] = float(recall)
    faiss.write_index(ivf, str(work / "ivf.index"))
    out["ivf_mb"] = (work / "ivf.index").stat().st_size / 2**20
    out["vectors_npy_mb"] = n * dim * 4 / 2**20
    shutil.rmtree(work, ignore_errors=True)
    out["peak_rss_mb"] = _peak_mb()
    return out


CHILDREN = {"generate": child_generate, "oxigraph": child_oxigraph, "oxquery": child_oxquery,
            "rdflib": child_rdflib, "vectors": child_vectors}


def run_child(kind: str, timeout: float | None = None, **options: object) -> dict[str, object]:
    """Run one measurement in a fresh interpreter; return its JSON answer.

    Raises :class:`subprocess.TimeoutExpired` if it runs past ``timeout`` seconds.
    """
    argv = [sys.executable, "-m", "bench.bench_scale", "--child", kind]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, list):
            argv += [flag, *map(str, value)]
        elif value is not None:
            argv += [flag, str(value)]
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=root,
                          timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit(f"the {kind} measurement failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- the parent --------------------------------------------------------------------------------

def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def measure_size(factor: int, passages: int, args: argparse.Namespace, base_nq: Path,
                 base_store: Path, real_vectors: Path | None, base_docs: int
                 ) -> dict[str, object]:
    """Every measurement at one size; prints as it goes."""
    work = args.work / f"x{factor}"
    work.mkdir(parents=True, exist_ok=True)
    synthetic = max(0, (factor - 1) * BASE_RECORDS)
    row: dict[str, object] = {"factor": factor, "partnerships": synthetic + BASE_RECORDS,
                              "synthetic_partnerships": synthetic, "passages": passages}
    data = [str(base_nq)]
    if synthetic or passages:
        nq = work / "synthetic.nq"
        gen = run_child("generate", base_store=base_store, sources=args.sources, out=nq,
                        partnerships=synthetic, passages=passages, seed=args.seed)
        row["generate"] = gen
        data.append(str(nq))
    print(f"x{factor}: generated, loading into Oxigraph…", flush=True)
    row["oxigraph"] = run_child("oxigraph", data=data, out=work / "store", queries=args.queries,
                                repeat=args.repeat, budget=args.budget,
                                query_timeout=args.query_timeout)
    if factor <= args.rdflib_max:
        print(f"x{factor}: rdflib…", flush=True)
        row["rdflib"] = run_child("rdflib", data=data, queries=args.queries,
                                  repeat=args.repeat, budget=args.budget,
                                  rdflib_timeout=args.rdflib_timeout)
    print(f"x{factor}: vectors…", flush=True)
    row["vectors"] = run_child("vectors", real_vectors=real_vectors, dim=args.dim,
                               vectors=base_docs + synthetic + passages, nq=args.nq,
                               seed=args.seed, out=work / "faiss")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return row


def report(results: list[dict[str, object]], args: argparse.Namespace, total_s: float,
           load_note: str) -> None:
    """Print the tables and write bench/reports/scale.md with plots."""
    import statistics

    sizes = [r["oxigraph"]["triples"] for r in results]
    size_rows = []
    for r in results:
        ox_ = r["oxigraph"]
        gen = r.get("generate", {})
        size_rows.append([f"×{r['factor']}", r["partnerships"], r["passages"], ox_["triples"],
                          gen.get("seconds", 0.0), ox_["load_s"],
                          ox_["optimize_s"] if "optimize_s" in ox_ else "not run",
                          ox_["triples"] / max(ox_["load_s"], 1e-9) / 1000, ox_["store_mb"],
                          ox_["peak_rss_mb"], ox_["query_peak_rss_mb"]])
    size_table = markdown_table(
        ["size", "partnerships", "passages", "triples", "generate s", "load s", "optimize s",
         "k triples/s", "store MiB", "peak RSS MiB (load)", "peak RSS MiB (queries)"],
        size_rows)

    names = sorted(results[0]["oxigraph"]["queries"])

    def rd_ms(entry: dict[str, object]) -> float | None:
        """rdflib's p50 in ms; a timeout counts as its limit (a lower bound); errors: None."""
        if "p50" in entry:
            return float(entry["p50"])  # type: ignore[arg-type]
        if "timeout" in entry:
            return float(entry["timeout"]) * 1000  # type: ignore[arg-type]
        return None

    def rd_text(entry: dict[str, object]) -> str:
        if "p50" in entry:
            return f"{entry['p50']:,.1f}"
        if "timeout" in entry:
            return f"> {entry['timeout']} s (timeout)"
        return f"error ({str(entry['error']).split(':')[0]})"

    def ox_ms(entry: dict[str, object], key: str = "p50") -> float:
        """Oxigraph's p50 (or p95) in ms; a timeout counts as its limit (a lower bound)."""
        return float(entry[key] if key in entry else entry["timeout"] * 1000)  # type: ignore[operator]

    def ox_text(entry: dict[str, object]) -> str:
        if "timeout" in entry:
            return f"> {entry['timeout']:g} s (timeout)"
        return f"{entry['p50']:,.2f} / {entry['p95']:,.2f} ({entry['rows']:,})"

    sparql_rows = []
    rdflib_sections: list[str] = []
    for r in results:
        qs = {n: dict(e, p50=ox_ms(e), p95=ox_ms(e, "p95"))
              for n, e in r["oxigraph"]["queries"].items()}
        p50s = [qs[n]["p50"] for n in names]
        rd = r.get("rdflib")
        ratio, rd_median = None, None
        if rd:
            pairs = [(rd_ms(rd["queries"][n]), qs[n]["p50"]) for n in names]
            usable = [(a, b) for a, b in pairs if a is not None]
            ratio = statistics.median(a / max(b, 1e-6) for a, b in usable)
            rd_median = statistics.median(a for a, _ in usable)
            rows = [[n, qs[n]["p50"], rd_text(rd["queries"][n]),
                     (f"{rd_ms(rd['queries'][n]) / max(qs[n]['p50'], 1e-6):,.0f}×"
                      if rd_ms(rd["queries"][n]) is not None else "—")] for n in names]
            rdflib_sections += [
                f"### rdflib vs Oxigraph at ×{r['factor']} ({r['oxigraph']['triples']:,} triples)",
                markdown_table(["query", "oxigraph p50 ms", "rdflib p50 ms", "rdflib / oxigraph"],
                               rows)]
        sparql_rows.append([
            f"×{r['factor']}", r["oxigraph"]["triples"], statistics.median(p50s), max(p50s),
            statistics.median(qs[n]["p95"] for n in names),
            rd_median if rd else "skipped",
            f"{ratio:,.0f}×" if ratio else "—",
            rd["load_s"] if rd else "—", rd["peak_rss_mb"] if rd else "—"])
    sparql_table = markdown_table(
        ["size", "triples", "oxigraph median p50 ms", "oxigraph slowest p50 ms",
         "oxigraph median p95 ms", "rdflib median p50 ms", "median rdflib/oxigraph",
         "rdflib load s", "rdflib peak RSS MiB"], sparql_rows)

    per_query = markdown_table(
        ["query", *[f"×{r['factor']} p50 / p95 ms (rows)" for r in results]],
        [[n, *[ox_text(r["oxigraph"]["queries"][n]) for r in results]] for n in names])

    vec_rows = []
    for r in results:
        v = r["vectors"]
        vec_rows.append([f"×{r['factor']}", v["vectors"], v["shipped"], v["exact"]["p50"],
                         v["exact"]["p95"], v["exact"]["p99"], v["ivf"]["p50"], v["ivf"]["p95"],
                         v["ivf"]["p99"], f"{v['recall_at_10']:.3f}",
                         f"{v['nlist']}/{v['nprobe']}", v["exact_mb"], v["ivf_mb"],
                         v["ivf_build_s"], v["peak_rss_mb"]])
    vec_table = markdown_table(
        ["size", "vectors", "shipped index", "exact p50 ms", "exact p95", "exact p99",
         "IVF p50 ms", "IVF p95", "IVF p99", "IVF recall@10", "nlist/nprobe", "exact MiB",
         "IVF MiB", "IVF build s", "peak RSS MiB"], vec_rows)

    nvec = [r["vectors"]["vectors"] for r in results]
    plots = [
        line_plot(REPORTS / "scale-sparql.png", sizes, {
            "oxigraph median p50": [row[2] for row in sparql_rows],
            "oxigraph slowest p50": [row[3] for row in sparql_rows],
            **({"rdflib median p50": [row[5] for row in sparql_rows if row[5] != "skipped"]}
               if all(row[5] != "skipped" for row in sparql_rows) else {}),
        }, "triples", "ms", "SPARQL latency vs graph size"),
        line_plot(REPORTS / "scale-load.png", sizes, {
            "load s": [r["oxigraph"]["load_s"] for r in results],
            "store MiB": [r["oxigraph"]["store_mb"] for r in results],
            "peak RSS MiB (load)": [r["oxigraph"]["peak_rss_mb"] for r in results],
            "peak RSS MiB (queries)": [r["oxigraph"]["query_peak_rss_mb"] for r in results],
        }, "triples", "seconds / MiB", "load cost vs graph size"),
        line_plot(REPORTS / "scale-faiss.png", nvec, {
            "exact p50 ms": [r["vectors"]["exact"]["p50"] for r in results],
            "IVF p50 ms": [r["vectors"]["ivf"]["p50"] for r in results],
            "IVF p99 ms": [r["vectors"]["ivf"]["p99"] for r in results],
        }, "vectors", "ms", "vector search latency vs index size"),
        line_plot(REPORTS / "scale-memory.png", nvec, {
            "vectors: peak RSS MiB": [r["vectors"]["peak_rss_mb"] for r in results],
            "exact index MiB": [r["vectors"]["exact_mb"] for r in results],
            "IVF index MiB": [r["vectors"]["ivf_mb"] for r in results],
        }, "vectors", "MiB", "index size and memory vs vectors"),
    ]
    # rdflib's line only fits the SPARQL plot when it ran at every size; add it separately
    rd_sizes = [r["oxigraph"]["triples"] for r in results if "rdflib" in r]
    if rd_sizes and len(rd_sizes) < len(results):
        plots.append(line_plot(REPORTS / "scale-rdflib.png", rd_sizes, {
            "rdflib median p50": [row[5] for row in sparql_rows if row[5] != "skipped"],
            "oxigraph median p50": [row[2] for row, r in zip(sparql_rows, results, strict=True)
                                    if "rdflib" in r],
        }, "triples", "ms", "rdflib vs oxigraph where rdflib ran"))

    skipped = [f"×{r['factor']}" for r in results if "rdflib" not in r]
    summary = (
        f"Sizes {', '.join('×' + str(r['factor']) for r in results)} of the curated records "
        f"({BASE_RECORDS} real; synthetic records recombine their countries, ISCO groups, "
        f"features, stakeholders and years) with synthetic passages recombining the paper's "
        f"sentences, up to {max(r['passages'] for r in results):,} passages and "
        f"{max(sizes):,} triples. Total run {total_s / 60:.1f} min. "
        + (f"rdflib was skipped at {', '.join(skipped)} (`--rdflib-max {args.rdflib_max}`): "
           "loading and querying millions of triples in rdflib's in-memory store takes too "
           "long and too much memory for this run; its trend is shown where it ran. "
           if skipped else "")
        + f"rdflib queries are cut at {args.rdflib_timeout} s (a timeout counts as "
        "that limit in the medians, so the ratio is a lower bound); queries rdflib fails to "
        "evaluate are left out of its medians and shown as errors."
    )
    method = (
        "Method: each part runs in its own subprocess, so each peak RSS is that part's at that "
        "size (`ru_maxrss`). SPARQL latencies go through `skillkg.store.Store.query` (rows "
        f"materialised as Python objects), {args.repeat} runs after a warm-up, capped at "
        f"{args.budget:g} s per query, each query in its own process and cut at "
        f"{args.query_timeout:g} s; rdflib runs fewer. Vector search: {args.nq} synthetic "
        "query vectors, k=10, one at a time, one FAISS thread (as `SearchIndex` searches); "
        "real vectors of the build plus "
        "seeded synthetic vectors (mixtures of 2 to 6 of 400 random topics plus noise, the "
        "structure of passages that recombine sentences). `shipped index` is what "
        "`skillkg.index` builds at that size: exact `IndexFlatIP` up to 50,000 vectors, IVF "
        "beyond. " + load_note
    )
    print(size_table, sparql_table, per_query, vec_table, summary, sep="\n\n")
    write_report("scale", "Scale: load, SPARQL, vector search and memory as the graph grows", [
        summary, method, "## Graph size, load and memory", size_table,
        f"![load]({plots[1].name})", "## SPARQL (queries/ set)", sparql_table,
        f"![sparql]({plots[0].name})",
        *([f"![rdflib]({plots[4].name})"] if len(plots) > 4 else []),
        "### Per query (Oxigraph)", per_query, *rdflib_sections,
        "## Vector search: exact vs IVF", vec_table, f"![faiss]({plots[2].name})",
        f"![memory]({plots[3].name})",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--factors", type=_ints, default=[1, 10, 100, 1000],
                        help="sizes as multiples of the curated records (default 1,10,100,1000)")
    parser.add_argument("--passages", type=_ints, default=[0, 10_000, 100_000, 1_000_000],
                        help="synthetic passages at each size (default 0,10000,100000,1000000)")
    parser.add_argument("--rdflib-max", type=int, default=10,
                        help="largest factor at which the rdflib baseline runs (default 10)")
    parser.add_argument("--rdflib-timeout", type=int, default=30,
                        help="seconds per query for rdflib, all runs together (default 30)")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--budget", type=float, default=4.0,
                        help="seconds per query and size at most (after one warm-up)")
    parser.add_argument("--nq", type=int, default=200, help="query vectors per size")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--base", type=Path, default=None,
                        help="a build folder (default var/current): store/ and index/")
    parser.add_argument("--work", type=Path, default=None,
                        help="scratch folder (default var/bench/scale)")
    parser.add_argument("--keep", action="store_true", help="keep each size's store")
    parser.add_argument("--vectors-only", action="store_true",
                        help="re-measure only vector search, reusing the graph figures of the "
                        "last run (results.json in --work)")
    # child options
    parser.add_argument("--query-timeout", type=float, default=60.0,
                        help="seconds per Oxigraph query and size, all runs (default 60)")
    for opt in ("--base-store", "--sources", "--out", "--queries", "--real-vectors", "--query"):
        parser.add_argument(opt, help=argparse.SUPPRESS)
    parser.add_argument("--data", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--partnerships", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--vectors", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from bench.scale import DEFAULT_SEED

    args.seed = DEFAULT_SEED if args.seed is None else args.seed
    if args.child:
        args.passages = args.passages[0] if isinstance(args.passages, list) else args.passages
        print(json.dumps(CHILDREN[args.child](args)))
        return

    import os

    import pyoxigraph as ox

    from skillkg import config

    paths = config.paths()
    if len(args.factors) != len(args.passages):
        parser.error("--factors and --passages need as many values each")
    base = (args.base or paths.current).resolve()
    if not (base / "store").is_dir():
        parser.error(f"no build at {base}: run `skillkg build` (or bench.bench_build) first")
    args.work = (args.work or paths.var / "bench" / "scale").resolve()
    if "ontology" in args.work.parts:
        parser.error("--work must not be under ontology/")
    args.work.mkdir(parents=True, exist_ok=True)
    args.sources = str(paths.sources)
    args.queries = str(paths.queries)
    global BASE_RECORDS  # noqa: PLW0603 - one run, one base
    from skillkg.store import Store

    with Store.open(base / "store", read_only=True) as base_store:
        BASE_RECORDS = len(base_store.select(
            "SELECT DISTINCT ?a WHERE { ?a a <https://w3id.org/skillkg/ontology#MobilityArrangement> }"))
    base_nq = args.work / "base.nq"
    ox.Store.read_only(str(base / "store")).dump(str(base_nq), format=ox.RdfFormat.N_QUADS)
    real_vectors = base / "index" / "vectors.npy"
    base_docs = 0
    if real_vectors.is_file():
        base_docs = json.loads((base / "index" / "meta.json").read_text())["rows"]
    load = os.getloadavg()
    load_note = (f"Load average when the run started: {load[0]:.1f} on {os.cpu_count()} cores"
                 + (" — the machine was shared with other jobs, so figures are noisy."
                    if load[0] > 1.0 else "."))
    t0 = time.perf_counter()
    if args.vectors_only:
        results = json.loads((args.work / "results.json").read_text())
        for row in results:
            synthetic = row["synthetic_partnerships"]
            row["vectors"] = run_child(
                "vectors", real_vectors=real_vectors if real_vectors.is_file() else None,
                dim=args.dim, vectors=base_docs + synthetic + row["passages"], nq=args.nq,
                seed=args.seed, out=args.work / f"x{row['factor']}" / "faiss")
            print(f"x{row['factor']}: vectors re-measured", flush=True)
        (args.work / "results.json").write_text(json.dumps(results, indent=1))
        run = json.loads((args.work / "run.json").read_text())
        args.query_timeout = run["query_timeout"]
        report(results, args, run["total_s"], run["load_note"]
               + f" Vector search re-measured on its own afterwards "
               f"({(time.perf_counter() - t0) / 60:.1f} min).")
        return
    results = []
    for factor, passages in zip(args.factors, args.passages, strict=True):
        results.append(measure_size(factor, passages, args, base_nq, base / "store",
                                    real_vectors if real_vectors.is_file() else None,
                                    base_docs))
        (args.work / "results.json").write_text(json.dumps(results, indent=1))
    total_s = time.perf_counter() - t0
    (args.work / "run.json").write_text(json.dumps(
        {"total_s": total_s, "load_note": load_note, "query_timeout": args.query_timeout}))
    report(results, args, total_s, load_note)


if __name__ == "__main__":
    main()
