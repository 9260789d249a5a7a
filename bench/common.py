"""Shared helpers for the benchmarks: timing, percentiles, memory, reports and plots."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

REPORTS = Path(__file__).resolve().parent / "reports"


@dataclass
class Timing:
    """Latencies of repeated runs of one thing, in milliseconds."""

    name: str
    samples_ms: list[float]

    def pct(self, q: float) -> float:
        """The ``q``-th percentile (0-100), nearest-rank."""
        data = sorted(self.samples_ms)
        if not data:
            return float("nan")
        rank = max(1, min(len(data), round(q / 100 * len(data) + 0.5)))
        return data[rank - 1]

    @property
    def p50(self) -> float:
        return self.pct(50)

    @property
    def p95(self) -> float:
        return self.pct(95)

    @property
    def p99(self) -> float:
        return self.pct(99)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples_ms) if self.samples_ms else float("nan")


def measure(name: str, fn: Callable[[], object], repeat: int = 20, warmup: int = 2,
            budget_s: float = 30.0) -> Timing:
    """Run ``fn`` ``warmup`` times, then up to ``repeat`` times within ``budget_s`` seconds."""
    for _ in range(warmup):
        fn()
    samples = []
    deadline = time.perf_counter() + budget_s
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() > deadline:
            break
    return Timing(name, samples)


def rss_mb() -> float:
    """Resident memory of this process, in MiB."""
    return psutil.Process(os.getpid()).memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux ru_maxrss)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_size_mb(path: Path) -> float:
    """Total size of the files under ``path``, in MiB."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table; numbers are shown with sensible precision."""

    def cell(v: object) -> str:
        if isinstance(v, float):
            return f"{v:,.2f}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(name: str, title: str, sections: list[str]) -> Path:
    """Write ``bench/reports/{name}.md`` and return its path."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / f"{name}.md"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    header = (f"# {title}\n\nMeasured {stamp} on {os.cpu_count()} cores, "
              f"{psutil.virtual_memory().total / 2**30:.0f} GiB.\n")
    path.write_text(header + "\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    return path


def bar_plot(path: Path, labels: list[str], series: dict[str, list[float]], ylabel: str,
             title: str, log: bool = False) -> Path:
    """Save a grouped bar chart as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6, len(labels) * 0.7), 4))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(labels))], values, width, label=name)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(labels))])
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log:
        ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def line_plot(path: Path, x: list[float], series: dict[str, list[float]], xlabel: str,
              ylabel: str, title: str) -> Path:
    """Save a log-log line chart as PNG (cost against size)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, values in series.items():
        ax.plot(x, values, marker="o", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
