"""The research queries of queries/: each runs on the full build and gives its real answer.

Every ``.rq`` file opens with a comment saying what it answers; these tests check that
answer against the curated records (ontology/partnerships/) and the ingested paper.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skillkg import iris
from skillkg.store import SelectResult, Store

pytestmark = pytest.mark.slow

QUERIES = Path(__file__).resolve().parents[1] / "queries"
P = "https://w3id.org/skillkg/id/partnership/"
A = "https://w3id.org/skillkg/id/agreement/"


def run(store: Store, name: str) -> SelectResult:
    result = store.query((QUERIES / f"{name}.rq").read_text(encoding="utf-8"))
    assert isinstance(result, SelectResult)
    return result


def column(result: SelectResult, variable: str) -> list[str]:
    return result.values(variable)


def test_every_query_opens_with_a_comment_saying_what_it_answers() -> None:
    files = sorted(QUERIES.glob("*.rq"))
    assert len(files) >= 10
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and len(first) > 20, path.name


def test_every_query_is_tested_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    for path in QUERIES.glob("*.rq"):
        assert f'"{path.stem}"' in source, f"{path.name} has no test"


def test_nursing_partnerships_from_asia_to_europe(built_store: Store) -> None:
    result = run(built_store, "nursing-partnerships-asia-to-europe")
    assert set(column(result, "arrangement")) == {
        P + "triple-win", A + "uk-philippines-healthcare-mou-2021",
        A + "nepal-uk-healthcare-mou-2022"}
    # Kenya is in Africa and Mexico in the Americas: their nursing arrangements are not here
    assert A + "kenya-uk-health-workforce-mou-2021" not in column(result, "arrangement")
    assert iris.country("PHL") in column(result, "origin")


def test_skills_mobility_partnerships_are_the_classified_ones(built_store: Store) -> None:
    result = run(built_store, "skills-mobility-partnerships")
    found = set(column(result, "partnership"))
    assert {P + "triple-win", P + "aptc", P + "thamm", P + "jpepa-nurses-care-workers"} <= found
    # none of them is asserted an SMP in its record: all come from the reasoner
    inferred = built_store.select(
        "SELECT ?p WHERE { GRAPH <https://w3id.org/skillkg/graph/inferred> "
        "{ ?p a <https://w3id.org/skillkg/ontology#SkillsMobilityPartnership> } }")
    assert found == set(inferred.values("p"))
    assert P + "palim" not in found  # no source describes PALIM's skills recognition


def test_partnerships_missing_features_say_which(built_store: Store) -> None:
    result = run(built_store, "partnerships-missing-features")
    missing = dict(zip(column(result, "partnership"), column(result, "missing"), strict=True))
    assert missing[P + "palim"] == "skills recognition"
    assert P + "triple-win" not in missing


def test_arrangements_serving_gcm_objective_18(built_store: Store) -> None:
    result = run(built_store, "arrangements-serving-gcm-objective-18")
    how = dict(zip(column(result, "arrangement"), column(result, "how"), strict=True))
    assert how[P + "triple-win"] == "inferred from S/25/5 §20"


def test_arrangements_timeline_is_in_order_of_start(built_store: Store) -> None:
    result = run(built_store, "arrangements-timeline")
    starts = [int(y) for y in column(result, "start")]
    assert starts == sorted(starts)
    rows = {r["label"].value: r for r in result.dicts()}
    assert rows["Seasonal Agricultural Worker Program"]["start"].value == "1966"
    assert rows["Triple Win"]["start"].value == "2013"


def test_corridors_count_arrangements_per_country_pair_with_regions(built_store: Store) -> None:
    result = run(built_store, "corridors")
    regions = set(column(result, "originRegion")) | set(column(result, "destinationRegion"))
    assert regions <= {"Africa", "Americas", "Asia", "Europe", "Oceania"}
    pairs = {(r["originLabel"].value, r["destinationLabel"].value): int(r["arrangements"].value)
             for r in result.dicts()}
    # Philippines to Japan: the EPA programme and the Specified Skilled Worker memorandum
    assert pairs[("Philippines", "Japan")] == 2


def test_nursing_and_care_corridors(built_store: Store) -> None:
    result = run(built_store, "nursing-and-care-corridors")
    rows = {(r["label"].value, r["originLabel"].value, r["destinationLabel"].value)
            for r in result.dicts()}
    assert ("Triple Win", "Philippines", "Germany") in rows
    assert any(label.startswith("Japan–Philippines EPA") for label, _, _ in rows)


def test_partnerships_by_origin_region_and_occupation_group(built_store: Store) -> None:
    result = run(built_store, "partnerships-by-origin-region-and-occupation-group")
    counts = {(r["regionLabel"].value, r["groupLabel"].value): int(r["arrangements"].value)
              for r in result.dicts()}
    assert {region for region, _ in counts} == {"Africa", "Americas", "Asia", "Europe", "Oceania"}
    # Oceania's elementary occupations: the Recognised Seasonal Employer scheme (ISCO 9211)
    assert counts[("Oceania", "Elementary occupations")] == 1
    assert counts[("Asia", "Professionals")] >= 5


def test_recognition_mechanisms_by_occupation_group(built_store: Store) -> None:
    result = run(built_store, "recognition-mechanisms-by-occupation-group")
    rows = {(r["subMajor"].value, r["mechanismLabel"].value) for r in result.dicts()}
    assert (iris.isco("22"), "mutual recognition") in rows
    assert (iris.isco("21"), "mutual recognition") in rows  # ASEAN and APEC engineers


def test_stakeholders_by_role(built_store: Store) -> None:
    result = run(built_store, "stakeholders-by-role")
    rows = {(r["roleLabel"].value, r["arrangementLabel"].value) for r in result.dicts()}
    assert ("implementer", "Triple Win") in rows
    assert all(r.get("roleLabel") for r in result.dicts())


def test_training_locations(built_store: Store) -> None:
    result = run(built_store, "training-locations")
    counts = {r["location"].value: int(r["arrangements"].value) for r in result.dicts()}
    origin = iris.individual("training-location", "origin-country")
    assert counts[origin] >= 5
    examples = next(r["examples"].value for r in result.dicts() if r["location"].value == origin)
    assert "Australia Pacific Training Coalition" in examples


def test_sources_of_facts_name_a_title_and_a_url_or_citation(built_store: Store) -> None:
    result = run(built_store, "sources-of-facts")
    assert len(result) > 100
    for row in result.dicts():
        assert row.get("sourceTitle") or row.get("citation"), row
    labels = set(column(result, "arrangementLabel"))
    assert "Triple Win" in labels


def test_prerequisites_and_challenges_cite_the_paper(built_store: Store) -> None:
    result = run(built_store, "prerequisites-and-challenges")
    assert len(set(column(result, "prerequisiteLabel"))) == 9
    assert all(c.startswith("S/25/5 §") for c in column(result, "prerequisiteCitation"))


def test_passages_mentioning_a_concept(built_store: Store) -> None:
    result = run(built_store, "passages-mentioning-a-concept")
    passages = column(result, "passage")
    assert iris.individual("passage", "iom-s-25-5/20") in passages
