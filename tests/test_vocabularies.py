"""The generated SKOS vocabularies (ingest/vocabularies.py -> ontology/vocab/*.ttl).

The vocabularies are generated into a temporary folder and loaded into an
in-memory store, one named graph per file, as `skillkg build` would load them;
the queries below are what researchers would write against them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pycountry
import pytest
from skillkg.ingest import vocabularies as v

from skillkg import iris
from skillkg.store import Store

PROLOGUE = iris.sparql_prologue()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All vocabularies, freshly generated into a temporary folder."""
    out = tmp_path_factory.mktemp("vocab")
    v.generate(out)
    return out


@pytest.fixture(scope="module")
def kg(generated: Path) -> Store:
    """An in-memory store holding the generated vocabularies (no reasoning)."""
    store = Store.memory()
    for name in v.VOCABULARIES:
        store.replace_graph(iris.graph(f"vocab/{name}"), (generated / f"{name}.ttl").read_bytes(), "turtle")
    return store


def select(kg: Store, query: str, **bindings: str) -> list[dict[str, str]]:
    rows = kg.select(PROLOGUE + query, bindings or None).dicts()
    return [{k: t.value for k, t in row.items()} for row in rows]


def count(kg: Store, query: str, **bindings: str) -> int:
    return int(select(kg, query, **bindings)[0]["n"])


# -- determinism -----------------------------------------------------------------


def test_regenerating_gives_identical_files_and_the_committed_ones_are_current(
        generated: Path, tmp_path: Path) -> None:
    again = v.generate(tmp_path)
    assert [w.name for w in again] == list(v.VOCABULARIES)
    for w in again:
        text = w.path.read_text(encoding="utf-8")
        assert text == (generated / w.path.name).read_text(encoding="utf-8"), w.name
        committed = v.DEFAULT_OUT_DIR / w.path.name
        assert committed.read_text(encoding="utf-8") == text, (
            f"{committed} is stale: run `python -m skillkg.ingest.vocabularies`")
    # a second run into the same folder rewrites nothing
    assert not any(w.changed for w in v.generate(tmp_path))


def test_generated_files_start_with_the_do_not_edit_header(generated: Path) -> None:
    for name in v.VOCABULARIES:
        assert (generated / f"{name}.ttl").read_text(encoding="utf-8").startswith(v.HEADER)


# -- ISCO-08 -----------------------------------------------------------------------


def test_isco_has_619_groups_in_four_levels(kg: Store) -> None:
    rows = select(kg, """
        SELECT ?level (COUNT(?g) AS ?n) WHERE {
          ?g a skg:Occupation ; skos:inScheme scheme:isco08 ; skos:notation ?code .
          BIND (STRLEN(?code) AS ?level)
        } GROUP BY ?level ORDER BY ?level""")
    assert {int(r["level"]): int(r["n"]) for r in rows} == {1: 10, 2: 43, 3: 130, 4: 436}


def test_every_isco_group_but_the_majors_has_a_broader_group_one_level_up(kg: Store) -> None:
    orphans = select(kg, """
        SELECT ?code WHERE {
          ?g skos:inScheme scheme:isco08 ; skos:notation ?code .
          FILTER (STRLEN(?code) > 1)
          FILTER NOT EXISTS { ?g skos:broader ?p . ?p skos:notation ?pc .
                              FILTER (?pc = SUBSTR(?code, 1, STRLEN(?code) - 1)) }
        }""")
    assert orphans == []
    tops = select(kg, "SELECT ?code WHERE { ?g skos:topConceptOf scheme:isco08 ; skos:notation ?code }")
    assert sorted(r["code"] for r in tops) == [str(d) for d in range(10)]


def test_nursing_professionals_reach_professionals_through_broader(kg: Store) -> None:
    assert kg.ask(PROLOGUE + "ASK { isco:2221 skos:broader+ isco:2 }")
    assert not kg.ask(PROLOGUE + "ASK { isco:2221 skos:broader+ isco:3 }")


def test_isco_groups_carry_esco_links_and_labels_in_both_languages(kg: Store) -> None:
    (row,) = select(kg, """
        SELECT ?en ?fr ?esco ?def WHERE {
          isco:2221 skos:prefLabel ?en, ?fr ; skos:exactMatch ?esco ; skos:definition ?def .
          FILTER (LANG(?en) = "en" && LANG(?fr) = "fr") }""")
    assert row["en"] == "Nursing professionals"
    assert row["fr"] == "Cadres infirmiers"
    assert row["esco"] == "http://data.europa.eu/esco/isco/C2221"
    assert row["def"].startswith("Nursing professionals provide treatment")
    # only the group whose French ESCO label is truncated lacks a French label
    no_fr = select(kg, """SELECT ?code WHERE { ?g skos:inScheme scheme:isco08 ; skos:notation ?code .
        FILTER NOT EXISTS { ?g skos:prefLabel ?l FILTER (LANG(?l) = "fr") } }""")
    assert [r["code"] for r in no_fr] == sorted(v.ISCO_FR_DEFECTS)


# -- GCM, SDGs, ISCED, EQF ---------------------------------------------------------


def test_23_gcm_objectives_with_english_and_french_labels(kg: Store) -> None:
    assert count(kg, """SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {
        ?o a skg:GCMObjective ; skos:prefLabel ?en, ?fr ;
           dcterms:isPartOf framework:global-compact-for-migration .
        FILTER (LANG(?en) = "en" && LANG(?fr) = "fr") }""") == 23
    labels = select(kg, "SELECT ?l WHERE { gcm:objective-18 skos:prefLabel|skos:altLabel ?l }")
    values = {r["l"] for r in labels}
    assert "Objective 18: Invest in skills development and facilitate mutual recognition of skills, " \
           "qualifications and competences" in values
    assert {"GCM objective 18", "objectif 18"} <= values
    (fr5,) = select(kg, 'SELECT ?l WHERE { gcm:objective-5 skos:prefLabel ?l FILTER (LANG(?l) = "fr") }')
    assert fr5["l"] == ("Objectif 5 : Faire en sorte que les filières de migration régulière soient "
                        "accessibles et plus souples")


def test_17_sdgs_with_their_targets_under_the_2030_agenda(kg: Store) -> None:
    assert count(kg, """SELECT (COUNT(?g) AS ?n) WHERE {
        ?g a skg:SDG ; skos:topConceptOf scheme:sdg ; dcterms:isPartOf framework:2030-agenda }""") == 17
    assert kg.ask(PROLOGUE + "ASK { sdg:10.7 skos:broader sdg:10 ; skos:notation \"10.7\" }")
    assert kg.ask(PROLOGUE + 'ASK { sdg:4 skos:altLabel "SDG 4"@en, "ODD 4"@fr ; '
                  "skos:exactMatch <http://metadata.un.org/sdg/4> }")
    targets = "SELECT (COUNT(?t) AS ?n) WHERE { ?t skos:broader ?g . ?g skos:topConceptOf scheme:sdg }"
    assert count(kg, targets) == 169
    (fr,) = select(kg, 'SELECT ?l WHERE { sdg:8.8 skos:prefLabel ?l FILTER (LANG(?l) = "fr") }')
    assert fr["l"].startswith("Cible 8.8 : Défendre les droits des travailleurs")


def test_isced_and_eqf_levels_are_education_levels(kg: Store) -> None:
    rows = select(kg, """SELECT ?s (COUNT(?l) AS ?n) WHERE {
        ?l a skg:EducationLevel ; skos:inScheme ?s } GROUP BY ?s""")
    assert {r["s"]: int(r["n"]) for r in rows} == {
        iris.individual("scheme", "isced"): 9, iris.individual("scheme", "eqf"): 8}
    assert kg.ask(PROLOGUE + 'ASK { isced:6 skos:prefLabel "CITE 6 : Niveau licence ou équivalent"@fr }')


# -- places and groupings ----------------------------------------------------------


@pytest.mark.parametrize(("country", "regions"), [
    ("PHL", ["035", "142", "001"]),
    ("DEU", ["155", "150", "001"]),
    ("BRA", ["005", "419", "019"]),
])
def test_countries_are_located_in_their_m49_subregion_and_region(
        kg: Store, country: str, regions: list[str]) -> None:
    rows = select(kg, "SELECT ?r WHERE { ?c skg:locatedIn+ ?r }", c=iris.country(country))
    assert {iris.region(code) for code in regions} <= {r["r"] for r in rows}


def test_every_iso_country_has_english_and_french_names(kg: Store) -> None:
    assert count(kg, """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {
        ?c a skg:Country ; skos:prefLabel ?en, ?fr ; skg:locatedIn ?r .
        FILTER (LANG(?en) = "en" && LANG(?fr) = "fr") }""") == len(pycountry.countries)
    assert kg.ask(PROLOGUE + 'ASK { country:DEU skos:prefLabel "Allemagne"@fr ; skos:notation "DE", "276" }')


def test_every_region_has_names_in_both_languages_and_reaches_the_world(kg: Store) -> None:
    rows = select(kg, """SELECT ?r WHERE { ?r a skg:Region .
        FILTER NOT EXISTS { ?r skos:prefLabel ?en, ?fr FILTER (LANG(?en) = "en" && LANG(?fr) = "fr") } }""")
    assert rows == []
    stray = select(kg, """SELECT ?r WHERE { ?r a skg:Region .
        FILTER (?r != region:m49-001) FILTER NOT EXISTS { ?r skg:locatedIn+ region:m49-001 } }""")
    assert stray == []


def members(kg: Store, grouping: str) -> set[str]:
    rows = select(kg, "SELECT ?code WHERE { ?c skg:memberOf ?g ; skg:code ?code }",
                  g=iris.individual("grouping", grouping))
    return {r["code"] for r in rows}


def test_grouping_memberships_follow_their_sources(kg: Store) -> None:
    # ASEAN: the ten members of 1999 and Timor-Leste, admitted in 2025
    assert members(kg, "asean") == {
        "BRN", "IDN", "KHM", "LAO", "MMR", "MYS", "PHL", "SGP", "THA", "TLS", "VNM"}
    # ECOWAS as of 29 January 2025: Burkina Faso, Mali and Niger have left
    ecowas = members(kg, "ecowas")
    assert len(ecowas) == 12 and not ecowas & {"BFA", "MLI", "NER"}
    assert {len(members(kg, g)) for g in ("eu", "gcc", "colombo-process", "apec", "pif", "au")} == \
        {27, 6, 12, 21, 18, 54}
    assert kg.ask(PROLOGUE + "ASK { grouping:colombo-process rdfs:seeAlso process:colombo-process }")


def test_every_grouping_names_a_source_with_a_title_and_url_and_a_scope_note(kg: Store) -> None:
    rows = select(kg, """SELECT ?g WHERE { ?g a skg:Grouping .
        FILTER NOT EXISTS { ?g dcterms:source ?s . ?s dcterms:title ?t ; skg:url ?u } }""")
    assert rows == []
    rows = select(kg, """SELECT ?g WHERE { ?g a skg:Grouping .
        FILTER NOT EXISTS { ?g skos:scopeNote ?n FILTER (LANG(?n) = "fr") } }""")
    assert rows == []
    assert count(kg, "SELECT (COUNT(?g) AS ?n) WHERE { ?g a skg:Grouping }") == 8


# -- bad input -----------------------------------------------------------------------


def test_an_unknown_member_code_names_the_file_and_grouping(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(v.DATA_DIR, data)
    path = data / "groupings.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("[ARE, BHR,", "[XXX, BHR,"), encoding="utf-8")
    with pytest.raises(v.VocabularyError, match=r"groupings\.yaml \(grouping gcc\).*'XXX'"):
        v.generate(tmp_path / "out", data, names=["groupings"])


def test_broken_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(v.DATA_DIR, data)
    (data / "gcm-objectives.yaml").write_text("objectives:\n  1: [unclosed\n", encoding="utf-8")
    with pytest.raises(v.VocabularyError, match=r"gcm-objectives\.yaml:\d+: not valid YAML"):
        v.generate(tmp_path / "out", data, names=["gcm"])
    assert not (tmp_path / "out" / "gcm.ttl").exists()
