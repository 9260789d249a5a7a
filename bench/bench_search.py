"""Search latency in one warm process: every mode of :class:`skillkg.search.Searcher` on the
gold questions, so the cost of the graph constraints is measured against the plain
embedding and lexical baselines in the same run.

    python -m bench.bench_search [--repeat 5] [--gold tests/eval/gold.yaml]

Prints p50/p95/p99 latency, throughput (questions per second, one process), the time to load
the searcher (model + index) and the process's peak memory, and writes
``bench/reports/search.md`` with a plot.  Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.common import REPORTS, Timing, bar_plot, dir_size_mb, markdown_table, peak_rss_mb, write_report
from skillkg import config
from skillkg.evaluation import load_gold
from skillkg.search import MODES, Searcher
from skillkg.store import Store


def load_searcher(paths: config.Paths) -> tuple[Searcher, float]:
    """Open the current build's store and index; return the searcher and the seconds it took."""
    t0 = time.perf_counter()
    store = Store.open(paths.store, read_only=True)
    searcher = Searcher(store, paths.index)
    searcher.search("warm-up: nursing partnerships", k=10)  # first query loads the spaCy ruler
    return searcher, time.perf_counter() - t0


def time_mode(searcher: Searcher, questions: list[str], mode: str, repeat: int,
              cold_embeddings: bool = False) -> Timing:
    """Latency of every question in ``mode``, ``repeat`` rounds after one warm-up round.

    Query embeddings are cached per process, so repeated questions skip the model; with
    ``cold_embeddings`` the cache is emptied before each question, as for a new question.
    """
    for q in questions:
        searcher.search(q, k=10, mode=mode)
    samples = []
    for _ in range(repeat):
        for q in questions:
            if cold_embeddings:
                searcher.embedder._cache.clear()
            t0 = time.perf_counter()
            searcher.search(q, k=10, mode=mode)
            samples.append((time.perf_counter() - t0) * 1000)
    name = f"{mode} (new questions)" if cold_embeddings else mode
    return Timing(name, samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--gold", type=Path, default=None)
    args = parser.parse_args()
    paths = config.paths()
    gold = load_gold(args.gold or paths.root / "tests" / "eval" / "gold.yaml")
    questions = [g.question for g in gold]
    searcher, load_s = load_searcher(paths)

    rows, timings = [], []
    runs = [(mode, False) for mode in MODES] + [("embedding", True), ("hybrid+graph", True)]
    for mode, cold in runs:
        t = time_mode(searcher, questions, mode, args.repeat, cold_embeddings=cold)
        timings.append(t)
        qps = 1000 / t.mean if t.mean else float("nan")
        rows.append([t.name, len(t.samples_ms), t.p50, t.p95, t.p99, qps])
    table = markdown_table(
        ["mode", "queries", "p50 ms", "p95 ms", "p99 ms", "queries/s (1 process)"], rows)
    base, graph = timings[0].p50, timings[len(MODES) - 1]
    cold = timings[-1]
    summary = (
        f"Warm single-process search over {len(questions)} gold questions × {args.repeat} rounds. "
        f"Default mode (hybrid+graph), repeated questions (query embedding cached): "
        f"**p50 {graph.p50:.1f} ms, p95 {graph.p95:.1f} ms**; new questions (the model embeds "
        f"each): **p50 {cold.p50:.1f} ms, p95 {cold.p95:.1f} ms**. Embedding-only baseline p50 "
        f"{base:.1f} ms (graph constraints and fusion add {graph.p50 - base:+.1f} ms at the "
        f"median). Searcher load (model, index, first query): "
        f"{load_s:.1f} s. Index on disk: {dir_size_mb(paths.index):.1f} MiB, "
        f"{len(searcher.index.docs):,} documents. Peak memory: {peak_rss_mb():.0f} MiB."
    )
    plot = bar_plot(REPORTS / "search.png", [t.name for t in timings],
                    {"p50": [t.p50 for t in timings], "p95": [t.p95 for t in timings],
                     "p99": [t.p99 for t in timings]},
                    "latency (ms)", "search latency by mode (warm, one process)")
    print(table)
    print(summary)
    write_report("search", "Search latency by mode", [summary, table, f"![latency]({plot.name})"])


if __name__ == "__main__":
    main()
