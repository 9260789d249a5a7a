"""`skillkg build`: sources into the store, atomically, with errors that name file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skillkg import iris
from skillkg.build import build, read_manifest
from skillkg.config import Paths
from skillkg.reasoning import InconsistencyError
from skillkg.sources import SourceError
from skillkg.store import Store

ROOT = Path(__file__).resolve().parents[1]

PARTNERSHIP = """@prefix skg: <https://w3id.org/skillkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/skillkg/id/partnership/example> a skg:Partnership ;
    skos:prefLabel "Example"@en, "Exemple"@fr .
"""


@pytest.fixture
def project(tmp_path: Path) -> Paths:
    """A copy of the project's ontology in a temporary folder, with its own var/."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "ontology", root / "ontology")
    (root / "ontology" / "partnerships").mkdir(exist_ok=True)
    return Paths(root=root, var=root / "var")


def quick_build(paths: Paths):  # noqa: ANN201
    return build(paths, ingest_documents=False, build_index=False)


def test_a_build_loads_every_file_into_its_own_graph_and_swaps_in(project: Paths) -> None:
    report = quick_build(project)
    store = Store.open(project.store, read_only=True)
    graphs = store.graphs()
    assert iris.graph("ontology") in graphs
    assert iris.graph("vocab/paper-concepts") in graphs
    assert iris.graph("inferred") in graphs
    assert report.files == len(list(project.ontology.glob("**/*.ttl"))) - (
        1 if (project.ontology / "shapes.ttl").exists() else 0)
    assert project.current.is_symlink()
    assert read_manifest(project.current)["triples"] == report.triples


def test_a_malformed_file_stops_the_build_with_file_and_line_and_keeps_the_last_build(
    project: Paths,
) -> None:
    quick_build(project)
    before = project.current.resolve()
    bad = project.ontology / "partnerships" / "broken.ttl"
    bad.write_text(PARTNERSHIP + '<https://w3id.org/skillkg/id/partnership/x> skg:startYear "19\n',
                   encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        quick_build(project)
    assert caught.value.path == bad
    assert caught.value.line == 5
    assert "broken.ttl:5" in str(caught.value)
    assert project.current.resolve() == before
    assert len(list((project.var / "builds").iterdir())) == 1  # the failed one is cleaned up
    assert Store.open(project.store, read_only=True).count() > 0


def test_binary_and_non_utf8_files_are_named(project: Paths) -> None:
    bad = project.ontology / "partnerships" / "latin1.ttl"
    bad.write_bytes(PARTNERSHIP.replace("Exemple", "Exemple é").encode("latin-1"))
    with pytest.raises(SourceError, match="latin1.ttl:4: the file is not UTF-8"):
        quick_build(project)
    bad.write_bytes(b"\x00\x01\x02")
    with pytest.raises(SourceError, match="binary"):
        quick_build(project)


def test_an_inconsistent_record_is_named_and_the_build_refused(project: Paths) -> None:
    quick_build(project)
    before = project.current.resolve()
    (project.ontology / "partnerships" / "contradiction.ttl").write_text(
        PARTNERSHIP + "<https://w3id.org/skillkg/id/partnership/example> a skg:Agreement .\n",
        encoding="utf-8",
    )
    with pytest.raises(InconsistencyError) as caught:
        quick_build(project)
    assert caught.value.culprits == [iris.graph("partnerships/contradiction")]
    assert project.current.resolve() == before


def test_a_partnership_with_the_five_features_is_classified_an_smp(project: Paths) -> None:
    features = ", ".join(
        f"<{iris.individual('feature', f)}>"
        for f in ("state-cooperation", "multi-stakeholder-participation", "training",
                  "skills-recognition", "migration-mobility")
    )
    (project.ontology / "partnerships" / "example.ttl").write_text(
        PARTNERSHIP.rstrip(" .\n") + f" ;\n    skg:hasFeature {features} .\n"
        "<https://w3id.org/skillkg/id/partnership/partial> a skg:Partnership ;\n"
        f"    skg:hasFeature <{iris.individual('feature', 'training')}> .\n",
        encoding="utf-8",
    )
    report = quick_build(project)
    example = iris.individual("partnership", "example")
    assert example in report.classified_smps
    assert iris.individual("partnership", "partial") not in report.classified_smps
    store = Store.open(project.store, read_only=True)
    # the SMP axioms of S/25/5 §19-20 give it GCM objective 18, in the inferred graph only
    assert store.ask(
        "ASK { GRAPH <https://w3id.org/skillkg/graph/inferred> { ?p "
        "<https://w3id.org/skillkg/ontology#contributesTo> ?o } }",
        {"p": example, "o": iris.gcm_objective(18)},
    )
    # and the class hierarchy is closed: it is a mobility arrangement too
    assert store.ask("ASK { ?p a <https://w3id.org/skillkg/ontology#MobilityArrangement> }",
                     {"p": example})
