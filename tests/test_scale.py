"""The synthetic scale generator (bench/scale.py) and the FAISS switch it is measured against.

The generator reads its distributions from a store holding the curated records (the
``kg_store`` fixture: every ontology file, no reasoning), so these tests need no build.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyoxigraph as ox
import pytest

from bench import scale
from skillkg import iris
from skillkg.index import EXACT_LIMIT, IVF_NPROBE, _faiss_index
from skillkg.store import Store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def profile(kg_store: Store) -> scale.Profile:
    return scale.read_profile(kg_store, ROOT / "ingest" / "sources")


def generate(profile: scale.Profile, partnerships: int = 40, passages: int = 150,
             seed: int = 7) -> str:
    return "".join(scale.synthetic_nquads(profile, partnerships, passages, seed))


def test_the_profile_is_read_from_the_curated_records(profile: scale.Profile) -> None:
    curated = len(list((ROOT / "ontology" / "partnerships").glob("*.ttl")))
    assert len(profile.records) >= curated  # a file may hold more than one arrangement
    assert iris.country("PHL") in profile.pools["originCountry"]
    assert len(profile.sentences) > 50 and all(len(s) >= 40 for s in profile.sentences)


def test_the_same_seed_gives_the_same_graph_and_another_seed_another(
    profile: scale.Profile,
) -> None:
    assert generate(profile, seed=7) == generate(profile, seed=7)
    assert generate(profile, seed=7) != generate(profile, seed=8)


def test_the_output_parses_as_n_quads_with_valid_synthetic_iris(profile: scale.Profile) -> None:
    quads = list(ox.parse(generate(profile).encode(), format=ox.RdfFormat.N_QUADS))
    assert quads
    subjects = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    ours = [s for s in subjects if iris.split_individual(s) is not None]
    # every individual the generator mints is synthetic; it only points at real ones
    minted = {s for s in ours if iris.split_individual(s)[0] in
              ("partnership", "agreement", "participation", "passage", "document")}
    assert minted and all(scale.is_synthetic(s) for s in minted)
    for s in minted:
        kind, key = iris.split_individual(s)
        assert iris.individual(kind, key) == s  # the key passes the IRI scheme's checks
    graphs = {q.graph_name.value for q in quads}
    assert all(g.startswith(iris.GRAPH) for g in graphs)


def test_synthetic_records_are_plausible(profile: scale.Profile) -> None:
    store = Store.memory()
    store.replace_graph(iris.graph("synthetic-test"), generate(profile, 200, 0).encode(),
                        "nquads")
    skg = iris.sparql_prologue(["skg"])
    n = int(store.select(skg + "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a skg:startYear ?y }"
                         ).rows[0][0].value)
    assert n > 0
    years = [int(v) for v in store.select(skg + "SELECT ?y WHERE { ?a skg:startYear ?y }"
                                          ).values("y")]
    real_years = [int(y) for r in profile.records for y in r.values.get("startYear", [])]
    assert min(real_years) <= min(years) and max(years) <= max(real_years)
    origins = set(store.select(skg + "SELECT ?c WHERE { ?a skg:originCountry ?c }").values("c"))
    assert origins <= set(profile.pools["originCountry"])  # only real countries
    # records without any country are about as common as among the curated records
    records = store.select(skg + "SELECT DISTINCT ?a WHERE { ?a skg:hasParticipation|skg:hasFeature|"
                           "skg:originCountry|skg:destinationCountry ?x }").values("a")
    countryless = store.select(skg + """SELECT DISTINCT ?a WHERE { ?a skg:hasFeature ?f
        FILTER NOT EXISTS { ?a skg:originCountry ?o } FILTER NOT EXISTS { ?a skg:destinationCountry ?d } }""")
    real = [r for r in profile.records
            if not r.values.get("originCountry") and not r.values.get("destinationCountry")]
    assert abs(len(countryless) / len(records) - len(real) / len(profile.records)) < 0.1
    # records with the five features are classified, as the reasoner would
    five = store.select(skg + "SELECT ?a WHERE { ?a a skg:SkillsMobilityPartnership }")
    assert len(five) > 0


def test_every_synthetic_fact_cites_the_synthetic_source(profile: scale.Profile) -> None:
    store = Store.memory()
    store.replace_graph(iris.graph("synthetic-test"), generate(profile, 30, 0).encode(),
                        "nquads")
    rows = store.select(iris.sparql_prologue(["skg", "owl", "dcterms"]) + """
        SELECT DISTINCT ?source WHERE { ?x a owl:Axiom ; dcterms:source ?source }""")
    assert rows.values("source") == [scale.SOURCE]
    assert "not a real source" in scale.SOURCE_TITLE


def test_passages_recombine_the_papers_sentences(profile: scale.Profile) -> None:
    quads = ox.parse(generate(profile, 0, 20).encode(), format=ox.RdfFormat.N_QUADS)
    texts = [q.object.value for q in quads if q.predicate.value == iris.skg("text")]
    assert len(texts) == 20
    for text in texts:
        assert any(sentence in text for sentence in profile.sentences)


def test_the_dataset_is_never_written_into_ontology(profile: scale.Profile,
                                                    tmp_path: Path) -> None:
    with pytest.raises(scale.ScaleError, match="ontology"):
        scale.write_dataset(profile, ROOT / "ontology" / "synthetic.nq", 1, 0)
    data = scale.write_dataset(profile, tmp_path / "x.nq.gz", 5, 10)
    assert data.path.is_file() and data.quads > 0


def test_synthetic_vectors_are_seeded_and_normalised() -> None:
    a = scale.synthetic_vectors(500, 32, seed=1)
    assert a.dtype == np.float32 and a.shape == (500, 32)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a, scale.synthetic_vectors(500, 32, seed=1))
    assert not np.array_equal(a, scale.synthetic_vectors(500, 32, seed=2))


def test_the_faiss_index_is_exact_up_to_the_limit_and_ivf_beyond() -> None:
    dim = 8
    small = scale.synthetic_vectors(1000, dim, seed=3)
    assert type(_faiss_index(small)).__name__ == "IndexFlatIP"
    at_limit = scale.synthetic_vectors(EXACT_LIMIT, dim, seed=3)
    assert type(_faiss_index(at_limit)).__name__ == "IndexFlatIP"
    beyond = np.vstack([at_limit, scale.synthetic_vectors(1, dim, seed=4)])
    index = _faiss_index(beyond)
    assert type(index).__name__ == "IndexIVFFlat"
    assert index.nprobe == IVF_NPROBE and index.ntotal == EXACT_LIMIT + 1
    # the approximate index still finds a stored vector as its own nearest neighbour
    _, ids = index.search(beyond[:50], 1)
    assert (ids[:, 0] == np.arange(50)).mean() > 0.9
