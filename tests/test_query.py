"""Query understanding: directions, occupations on the ISCO hierarchy, targets, bad input."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from skillkg import iris
from skillkg.query import MAX_QUERY_LENGTH, QueryError, detect_language, interpret
from skillkg.store import Store

ASIA, EUROPE = iris.region(142), iris.region(150)
PHL, DEU = iris.country("PHL"), iris.country("DEU")

NAMES = {
    "asia": ASIA, "asie": ASIA, "europe": EUROPE, "philippines": PHL, "germany": DEU,
    "allemagne": DEU, "recognition": iris.individual("feature", "skills-recognition"),
    "reconnaissance": iris.individual("feature", "skills-recognition"),
}


@dataclass
class Mention:
    iri: str
    start: int
    end: int
    text: str
    label: str = ""


def fake_linker(text: str, lang: str) -> list[Mention]:
    """Stands in for the spaCy EntityRuler: exact names only."""
    return [Mention(NAMES[m.group().lower()], m.start(), m.end(), m.group())
            for m in re.finditer(r"\w+", text) if m.group().lower() in NAMES]


@pytest.fixture(scope="module")
def isco_store() -> Store:
    """A store with a slice of the ISCO-08 hierarchy."""
    store = Store.memory()
    rows = [("2", None, "Professionals", "Professions intellectuelles et scientifiques"),
            ("22", "2", "Health professionals", "Spécialistes de la santé"),
            ("222", "22", "Nursing and midwifery professionals",
             "Cadres infirmiers et sages-femmes"),
            ("2221", "222", "Nursing professionals", "Cadres infirmiers"),
            ("3", None, "Technicians and associate professionals",
             "Professions intermédiaires"),
            ("32", "3", "Health associate professionals", "Professions intermédiaires de la santé"),
            ("322", "32", "Nursing and midwifery associate professionals",
             "Professions intermédiaires des soins infirmiers et sages-femmes"),
            ("3221", "322", "Nursing associate professionals",
             "Professions intermédiaires des soins infirmiers"),
            ("2512", "2", "Software developers", "Concepteurs de logiciels")]
    lines = []
    for code, parent, en, fr in rows:
        g = f"<{iris.isco(code)}>"
        lines.append(f'{g} a <{iris.skg("Occupation")}> ; '
                     f'<{iris.SKOS}prefLabel> "{en}"@en, "{fr}"@fr .')
        if parent:
            lines.append(f"{g} <{iris.SKOS}broader> <{iris.isco(parent)}> .")
    store.replace_graph(iris.graph("vocab/isco08"), "\n".join(lines), "turtle")
    return store


def test_between_means_either_direction(isco_store: Store) -> None:
    i = interpret("which partnerships cover nursing recognition between Asia and Europe",
                  isco_store, fake_linker)
    assert i.either_direction == [[ASIA, EUROPE]]
    assert not i.origins and not i.destinations
    assert i.target == "arrangement"
    assert i.features == [iris.individual("feature", "skills-recognition")]


def test_nursing_reaches_the_top_nursing_groups_222_and_322(isco_store: Store) -> None:
    i = interpret("nursing partnerships", isco_store, fake_linker)
    assert sorted(i.occupations) == [iris.isco("222"), iris.isco("322")]
    fr = interpret("partenariats pour les infirmiers", isco_store, fake_linker)
    assert sorted(fr.occupations) == [iris.isco("222"), iris.isco("2221")] or sorted(
        fr.occupations) == [iris.isco("222"), iris.isco("322")]


def test_from_to_gives_origin_and_destination(isco_store: Store) -> None:
    i = interpret("nurses from the Philippines to Germany", isco_store, fake_linker)
    assert i.origins == [PHL] and i.destinations == [DEU]
    fr = interpret("infirmiers de Asie vers Europe", isco_store, fake_linker)
    assert fr.origins == [ASIA] and fr.destinations == [EUROPE]
    assert fr.language == "fr"


def test_french_between(isco_store: Store) -> None:
    i = interpret("quels partenariats de reconnaissance entre l'Asie et l'Europe",
                  isco_store, fake_linker)
    assert i.either_direction == [[ASIA, EUROPE]]
    assert i.language == "fr"


def test_single_destination_and_undirected_place(isco_store: Store) -> None:
    assert interpret("programmes to Germany", isco_store, fake_linker).destinations == [DEU]
    assert interpret("Philippines partnerships", isco_store, fake_linker).places == [PHL]


@pytest.mark.parametrize("bad", ["", "   ", "x" * (MAX_QUERY_LENGTH + 1), "nurses\x00Germany",
                                 "a\x1bb"])
def test_bad_queries_get_a_clear_error(bad: str, isco_store: Store) -> None:
    with pytest.raises(QueryError):
        interpret(bad, isco_store, fake_linker)


def test_language_detection() -> None:
    assert detect_language("quels partenariats entre l'Asie et l'Europe") == "fr"
    assert detect_language("which partnerships between Asia and Europe") == "en"


def test_a_query_that_links_nothing_still_interprets(isco_store: Store) -> None:
    i = interpret("zzz qqq", isco_store, fake_linker)
    assert i.links == [] and not i.has_constraints() and i.target == "any"
