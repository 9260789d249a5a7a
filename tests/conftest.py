"""Shared fixtures: the project paths, a store with every ontology file, and a full build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skillkg.build import BuildReport, build
from skillkg.config import Paths
from skillkg.sources import discover
from skillkg.store import Store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    """The project folder."""
    return ROOT


@pytest.fixture(scope="session")
def kg_store() -> Store:
    """An in-memory store holding every Turtle file of ontology/ (no reasoning, no documents)."""
    store = Store.memory()
    for source in discover(ROOT / "ontology"):
        store.replace_graph(source.graph, source.path.read_bytes(), "turtle")
    return store


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Paths, BuildReport]]:
    """A full ``skillkg build`` of the project into a temporary var/ folder."""
    var = tmp_path_factory.mktemp("var")
    paths = Paths(root=ROOT, var=var)
    report = build(paths)
    yield paths, report


@pytest.fixture(scope="session")
def built_store(built: tuple[Paths, BuildReport]) -> Store:
    """The store of the full build, opened read-only."""
    paths, _ = built
    return Store.open(paths.store, read_only=True)
