"""Build cost: ``skillkg build`` from the sources, by stage, with index size and peak memory.

    python -m bench.bench_build [--var var/bench/build] [--no-index] [--no-ingest]

Runs :func:`skillkg.build.build` once in a fresh subprocess (so peak memory is the
build's own) into a separate ``var`` folder (default ``var/bench/build``, never the
project's ``var/current``), then reads the stage timings from the build's manifest and
measures what it wrote: store and index size on disk, triples per kind of graph.
Prints a table and writes ``bench/reports/build.md`` with a plot.  Figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import REPORTS, bar_plot, dir_size_mb, markdown_table, write_report
from skillkg import config

#: The child process: build, then print the manifest and the peak memory as JSON.
_CHILD = """
import json, resource, sys, time
from pathlib import Path
from skillkg.build import build
from skillkg.config import Paths
root, var, ingest, index = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1", sys.argv[4] == "1"
t0 = time.perf_counter()
report = build(Paths(root=root, var=var), ingest_documents=ingest, build_index=index)
wall = time.perf_counter() - t0
print(json.dumps({"report": json.loads(report.to_json()), "wall_s": wall,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_build(root: Path, var: Path, ingest: bool, index: bool) -> dict[str, object]:
    """Build ``root`` into ``var`` in a subprocess; return its report, wall time and peak RSS."""
    var.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root), str(var), "1" if ingest else "0",
         "1" if index else "0"],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"the build failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def serve_startup(build_dir: Path, timeout: float = 120.0) -> dict[str, float | str]:
    """Start ``skillkg serve`` on the build at ``build_dir`` (127.0.0.1, a free port).

    Returns the seconds from spawning the process to ``/health`` answering (the service is
    up: SPARQL, pages) and to its search part reporting ``ready`` (model, index and
    language pipeline loaded in the background, first search done).
    """
    import shutil
    import socket

    import httpx

    exe = shutil.which("skillkg") or str(Path(sys.executable).parent / "skillkg")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/health"
    t0 = time.perf_counter()
    proc = subprocess.Popen([exe, "serve", "--build", str(build_dir), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    out: dict[str, float | str] = {}
    try:
        while time.perf_counter() - t0 < timeout:
            if proc.poll() is not None:
                return {"error": proc.stderr.read().decode()[-2000:]}  # type: ignore[union-attr]
            try:
                health = httpx.get(url, timeout=2).json()
            except httpx.HTTPError:
                time.sleep(0.05)
                continue
            out.setdefault("up_s", time.perf_counter() - t0)
            if health.get("search") in ("ready", "degraded", "unavailable"):
                out["search_s"] = time.perf_counter() - t0
                out["search_state"] = str(health.get("search"))
                break
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return out


def graph_kind(graph: str) -> str:
    """``…/graph/partnerships/triple-win`` → ``partnerships``; ``…/graph/inferred`` → ``inferred``."""
    return graph.rsplit("/graph/", 1)[-1].split("/", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, default=None,
                        help="build output folder (default var/bench/build)")
    parser.add_argument("--no-ingest", action="store_true", help="skip document ingest")
    parser.add_argument("--no-index", action="store_true", help="skip the search indexes")
    args = parser.parse_args()
    paths = config.paths()
    var = (args.var or paths.var / "bench" / "build").resolve()

    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    out = run_build(paths.root, var, not args.no_ingest, not args.no_index)
    elapsed = time.perf_counter() - t0
    report = out["report"]
    # the manifest's keys are sorted; show the stages in the order a build runs them
    order = ["load", "ingest", "reason", "validate", "index"]
    raw_stages: dict[str, float] = report["stage_seconds"]
    stages = {k: raw_stages[k] for k in sorted(
        raw_stages, key=lambda k: (order.index(k) if k in order else len(order), k))}
    location = Path(report["location"])
    store_mb = dir_size_mb(location / "store")
    index_dir = location / "index"
    index_mb = dir_size_mb(index_dir) if index_dir.is_dir() else 0.0
    index_info = report.get("extra", {}).get("index", {})

    stage_rows = [[name, secs, 100 * secs / max(sum(stages.values()), 1e-9)]
                  for name, secs in stages.items()]
    stage_rows.append(["total (stages)", sum(stages.values()), 100.0])
    stage_table = markdown_table(["stage", "seconds", "share %"], stage_rows)

    by_kind: dict[str, int] = {}
    for graph, n in report["graphs"].items():
        by_kind[graph_kind(graph)] = by_kind.get(graph_kind(graph), 0) + n
    graph_table = markdown_table(["graphs", "triples"],
                                 [[k, v] for k, v in sorted(by_kind.items())]
                                 + [["all", report["triples"]]])
    index_files = sorted(index_dir.iterdir()) if index_dir.is_dir() else []
    size_rows = [["store (Oxigraph, RocksDB)", store_mb]]
    for f in index_files:
        size_rows.append([f"index/{f.name}",
                          dir_size_mb(f) if f.is_dir() else f.stat().st_size / 2**20])
    size_rows.append(["index (all)", index_mb])
    size_table = markdown_table(["on disk", "MiB"], size_rows)

    summary = (
        f"One `skillkg build` of the project ({report['files']} source files, "
        f"{report['documents']} documents, {report['passages']} passages, "
        f"{report['triples']:,} triples, {index_info.get('documents', 0)} search documents, "
        f"FAISS {index_info.get('faiss', 'none')}): **{sum(stages.values()):.1f} s** over the "
        f"stages, {out['wall_s']:.1f} s wall in the child (imports and the atomic swap "
        f"included), {elapsed:.1f} s including interpreter start-up. "
        f"Peak memory of the build process: **{out['peak_rss_mb']:.0f} MiB**. "
        f"Store {store_mb:.1f} MiB, index {index_mb:.1f} MiB on disk."
    )
    notes = (
        "Stage timings come from the build's manifest (`stage_seconds`). `reason` runs HermiT "
        "in a Java subprocess and the SPARQL closure rules; `index` loads the embedding model, "
        "embeds every search document on the CPU and writes FAISS and BM25. "
        f"Load average before the build: {load_before:.1f} on {os.cpu_count()} cores"
        + (" — the machine was shared with other jobs, so timings are noisy; treat them as "
           "an upper bound." if load_before > 1.0 else ".")
    )
    serve = serve_startup(location)
    if "error" in serve:
        serve_text = f"`skillkg serve` did not start on this build: {serve['error']}"
    else:
        serve_text = (
            f"`skillkg serve` on this build: **up (answering `/health`) {serve['up_s']:.1f} s** "
            f"after the process was spawned; search `{serve.get('search_state', '?')}` (model, "
            f"index and language pipeline loaded in a background thread, one warm-up search) "
            f"after {serve.get('search_s', float('nan')):.1f} s. Requests to `/search` made "
            "before then wait for it or get a 503 that says to retry."
        )
    print(serve_text)
    plot = bar_plot(REPORTS / "build.png", list(stages),
                    {"seconds": list(stages.values())}, "seconds", "build time by stage")
    print(stage_table)
    print(graph_table)
    print(size_table)
    print(summary)
    write_report("build", "Build time by stage, size and memory",
                 [summary, notes, "## Stages", stage_table, f"![stages]({plot.name})",
                  "## Serve start-up", serve_text,
                  "## Triples", graph_table, "## On disk", size_table])


if __name__ == "__main__":
    main()
