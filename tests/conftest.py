"""Shared fixtures: the project paths, a store with every ontology file, and a full build."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from skillkg.build import BuildReport, build
from skillkg.config import Paths
from skillkg.sources import discover, load
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
    load(store, discover(ROOT / "ontology"))
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


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Oxigraph SPARQL 1.1 server (the `oxigraph` PyPI package) on 127.0.0.1.

    Yields the base URL; the query endpoint is ``{url}/query``.
    """
    exe = shutil.which("oxigraph") or str(Path(__import__("sys").executable).parent / "oxigraph")
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph-server")
    proc = subprocess.Popen(
        [exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("the oxigraph server did not start: " + proc.stderr.read().decode())
    yield url
    proc.terminate()
    proc.wait(timeout=10)
