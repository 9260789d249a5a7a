"""``skillkg build``: sources → store → reasoning → indexes, swapped in atomically.

A build writes everything into a fresh folder under ``var/builds/`` and, only
when every stage has succeeded, points ``var/current`` at it with one atomic
rename.  A failed build removes its own folder and leaves the last good build
in place and in use.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from skillkg import __version__, iris
from skillkg.config import Paths
from skillkg.progress import Reporter, Silent
from skillkg.reasoning import ReasoningReport, reason
from skillkg.sources import discover, load
from skillkg.store import Store

BUILD_GRAPH = iris.graph("build")
MANIFEST = "manifest.json"
KEEP_BUILDS = 2


class BuildError(RuntimeError):
    """A build stage failed; the last good build is untouched."""


@dataclass
class BuildReport:
    """What a build did: where it went, counts per graph, timings per stage."""

    location: str
    started: str
    files: int = 0
    documents: int = 0
    passages: int = 0
    triples: int = 0
    graphs: dict[str, int] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    classified_smps: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


Stage = Callable[[Store, Path, "BuildReport", Reporter], None]


def load_sources(store: Store, ontology_dir: Path, report: BuildReport, ui: Reporter) -> None:
    """Parse every Turtle file of ``ontology_dir`` into its own named graph."""
    files = discover(ontology_dir)
    ui.stage("load ontology, vocabularies and records", total=len(files))
    load(store, files, on_file=lambda source: ui.advance(source.path.name))
    report.files = len(files)


def run_reasoner(store: Store, report: BuildReport, ui: Reporter) -> ReasoningReport:
    """Run HermiT and the closure rules; record what was classified."""
    ui.stage("reason (HermiT + closure rules)", total=2)
    result = reason(store, on_step=lambda name: ui.advance(name))
    report.classified_smps = result.classified_smps
    report.extra["inferred_triples"] = result.inferred_triples
    return result


def _write_metadata(store: Store, report: BuildReport) -> None:
    stamp = report.started.replace(":", "").replace("-", "")
    build = ox.NamedNode(iris.individual("pipeline", f"build-{stamp}"))
    prov = iris.PROV
    triples = [
        ox.Triple(build, ox.NamedNode(iris.RDF + "type"), ox.NamedNode(prov + "Activity")),
        ox.Triple(build, ox.NamedNode(prov + "startedAtTime"),
                  ox.Literal(report.started, datatype=ox.NamedNode(iris.XSD + "dateTime"))),
        ox.Triple(build, ox.NamedNode(iris.SKOS + "prefLabel"),
                  ox.Literal(f"skillkg {__version__} build", language="en")),
    ]
    store.replace_graph(BUILD_GRAPH, triples)


def _swap(var: Path, staging: Path) -> None:
    """Point ``var/current`` at ``staging`` atomically and prune old builds."""
    current = var / "current"
    tmp_link = var / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(staging.relative_to(var), target_is_directory=True)
    os.replace(tmp_link, current)
    builds = sorted((var / "builds").iterdir(), key=lambda p: p.stat().st_mtime)
    keep = {staging.resolve()}
    for old in reversed(builds):
        if len(keep) >= KEEP_BUILDS:
            break
        keep.add(old.resolve())
    for old in builds:
        if old.resolve() not in keep:
            shutil.rmtree(old, ignore_errors=True)


def build(
    paths: Paths,
    reporter: Reporter | None = None,
    *,
    ingest_documents: bool = True,
    build_index: bool = True,
    extra_stages: list[tuple[str, Stage]] | None = None,
) -> BuildReport:
    """Build the graph from ``paths.root`` into a new folder and swap it in.

    Raises :class:`~skillkg.sources.SourceError` for a malformed source,
    :class:`~skillkg.reasoning.InconsistencyError` for an inconsistent graph,
    and :class:`BuildError` for anything else; in every case ``var/current``
    still points at the previous good build.
    """
    ui = reporter or Silent()
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    builds = paths.var / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    staging = builds / f"{started.replace(':', '')}-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    report = BuildReport(location=str(staging), started=started)
    store: Store | None = None
    try:
        store = Store.open(staging / "store")

        def timed(name: str, fn: Callable[[], object]) -> None:
            t0 = time.perf_counter()
            fn()
            report.stage_seconds[name] = round(time.perf_counter() - t0, 3)

        timed("load", lambda: load_sources(store, paths.ontology, report, ui))
        if ingest_documents:
            timed("ingest", lambda: _ingest(store, paths, report, ui))
        timed("reason", lambda: run_reasoner(store, report, ui))
        for name, stage in extra_stages or []:
            timed(name, lambda stage=stage: stage(store, staging, report, ui))
        if build_index:
            timed("index", lambda: _index(store, staging, report, ui))
        _write_metadata(store, report)
        report.graphs = store.counts()
        report.triples = sum(report.graphs.values())
        store.close()
        store = None
        gc.collect()  # release the RocksDB lock before anyone opens the new build
        report.extra["python"] = platform.python_version()
        (staging / MANIFEST).write_text(report.to_json(), encoding="utf-8")
        _swap(paths.var, staging)
    except BaseException:
        if store is not None:
            store.close()
            store = None
            gc.collect()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _ingest(store: Store, paths: Paths, report: BuildReport, ui: Reporter) -> None:
    """Ingest the policy documents of ``ingest/sources/`` (see :mod:`skillkg.ingest`)."""
    try:
        from skillkg.ingest.pipeline import ingest_paths
    except ImportError:  # the ingest pipeline is optional while it is being built
        ui.note("ingest pipeline not installed; skipping documents")
        return
    if not paths.sources.is_dir():
        return
    result = ingest_paths([paths.sources], store, progress=ui)
    errors = getattr(result, "errors", None)
    if errors:
        raise BuildError("document ingest failed: " + "; ".join(str(e) for e in errors))
    report.documents = int(getattr(result, "documents", 0) or 0)
    report.passages = int(getattr(result, "passages", 0) or 0)
    kinds = dict(getattr(result, "mentions_by_kind", {}) or {})
    candidates = getattr(result, "candidates", None)
    if kinds or candidates:
        top = candidates.most_common(10) if candidates else []
        report.extra["ingest"] = {"mentions_by_kind": kinds, "unlinked_candidates": dict(top)}
        ui.note(
            f"ingested {report.documents} documents, {report.passages} passages, "
            f"{sum(kinds.values())} mentions ("
            + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
            + "); unlinked candidates: "
            + (", ".join(f"{text} ×{n}" for text, n in top) or "none")
        )


def _index(store: Store, staging: Path, report: BuildReport, ui: Reporter) -> None:
    """Build the search indexes beside the store (see :mod:`skillkg.index`)."""
    try:
        from skillkg.index import build_indexes
    except ImportError:  # search indexes are optional while they are being built
        return
    info = build_indexes(store, staging / "index", progress=ui)
    report.extra["index"] = info


def read_manifest(current: Path) -> dict[str, object]:
    """The manifest of the build at ``current`` (``var/current``), or ``{}`` if none."""
    manifest = current / MANIFEST
    if not manifest.is_file():
        return {}
    return json.loads(manifest.read_text(encoding="utf-8"))
