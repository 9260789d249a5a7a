"""Benchmark the HTTP API: latency (p50/p95) and throughput of /search and /sparql.

Starts ``skillkg serve`` on a free loopback port over the current build (or
uses ``--url``), waits until the search model has loaded, then for each
workload runs ``--clients`` concurrent clients (8 by default), each sending
``--requests`` requests in turn, and reports per-request latency percentiles,
requests per second over the wall-clock time, and errors.  Writes
``bench/reports/api.md``.  Prints figures; never passes or fails on time.

    .venv/bin/python bench/bench_api.py [--clients 8] [--requests 25] [--url URL]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Timing, markdown_table, write_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

QUESTIONS = [
    "nursing partnerships from Asia to Europe",
    "which partnerships cover nursing recognition between Asia and Europe",
    "partenariats pour les infirmiers",
    "skills recognition in seasonal agriculture",
    "training in the country of origin",
    "reconnaissance des compétences",
    "care workers from the Philippines",
    "mutual recognition arrangements in ASEAN",
]


@dataclass
class Workload:
    """One endpoint and the requests its clients cycle through."""

    name: str
    path: str
    params: list[dict[str, str]]
    accept: str = "application/json"


@dataclass
class Outcome:
    """What one workload measured."""

    name: str
    timing: Timing
    wall_s: float
    errors: int
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        return len(self.timing.samples_ms) / self.wall_s if self.wall_s else float("nan")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(build: Path | None) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``skillkg serve`` and return it with its URL once search is ready."""
    port = _free_port()
    cmd = [str(Path(sys.executable).parent / "skillkg"), "serve", "--port", str(port)]
    if build is not None:
        cmd += ["--build", str(build)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "SKILLKG_HOME": str(ROOT)})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("skillkg serve exited: " + proc.stderr.read().decode())
        try:
            if httpx.get(url + "/health", timeout=2).json()["search"] != "loading":
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    proc.kill()
    raise SystemExit("skillkg serve did not become ready within 300 s")


def run(url: str, workload: Workload, clients: int, requests: int) -> Outcome:
    """Run ``clients`` threads × ``requests`` requests of ``workload``."""
    samples: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(n: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=url, timeout=120,
                          headers={"Accept": workload.accept}) as http:
            http.get(workload.path, params=workload.params[n % len(workload.params)])  # warm up
            barrier.wait()
            for i in range(requests):
                params = workload.params[(n + i) % len(workload.params)]
                t0 = time.perf_counter()
                try:
                    status = http.get(workload.path, params=params).status_code
                except httpx.HTTPError:
                    status = -1
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    samples.append(elapsed)
                    statuses[status] = statuses.get(status, 0) + 1
                    if status != 200:
                        errors += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return Outcome(workload.name, Timing(workload.name, samples), wall, errors, statuses)


def workloads() -> list[Workload]:
    """/search over several questions; /sparql over the example queries of queries/."""
    examples = [{"query": p.read_text(encoding="utf-8")} for p in sorted((ROOT / "queries").glob("*.rq"))]
    return [
        Workload("/search", "/search", [{"q": q, "k": "10"} for q in QUESTIONS]),
        Workload("/sparql (examples of queries/)", "/sparql", examples,
                 "application/sparql-results+json"),
        Workload("/sparql (ASK)", "/sparql", [{"query": "ASK { ?s ?p ?o }"}],
                 "application/sparql-results+json"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=25, help="requests per client")
    parser.add_argument("--url", help="an already running server (default: start one)")
    parser.add_argument("--build", type=Path, help="build folder to serve (default var/current)")
    args = parser.parse_args()

    proc = None
    url = args.url
    if url is None:
        proc, url = start_server(args.build)
    try:
        version = httpx.get(url + "/version", timeout=30).json()
        outcomes = []
        for w in workloads():
            outcome = run(url, w, args.clients, args.requests)
            outcomes.append(outcome)
            print(f"{w.name:35s} p50 {outcome.timing.p50:8.1f} ms  p95 {outcome.timing.p95:8.1f} ms"
                  f"  {outcome.rps:7.1f} req/s  errors {outcome.errors}", flush=True)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)

    rows = [[o.name, len(o.timing.samples_ms), o.timing.p50, o.timing.p95, o.timing.p99,
             o.timing.mean, o.rps, o.errors] for o in outcomes]
    table = markdown_table(["endpoint", "requests", "p50 ms", "p95 ms", "p99 ms", "mean ms",
                            "req/s", "errors"], rows)
    setup = (f"{args.clients} concurrent clients × {args.requests} requests each, on loopback, "
             f"after one warm-up request per client. Build of {version['build']['started']} "
             f"({version['triples']:,} triples); embedding model {version['embedding_model']}; "
             f"{version['sparql']['workers']} SPARQL worker processes; the server and the "
             "clients share the machine.")
    path = write_report("api", "HTTP API under concurrent load", [
        "## Setup\n\n" + setup,
        "## Latency and throughput\n\n" + table,
        "## Reading it\n\n/search runs one search at a time (the embedding model uses every core "
        "already), so its throughput is bounded by one search's cost and its latency under 8 "
        "clients includes queueing. /sparql spreads queries over the worker processes; its "
        "latency includes parsing the query for the read-only checks and passing the "
        "serialised answer back from the worker.",
    ])
    print(f"report: {path}")


if __name__ == "__main__":
    main()
