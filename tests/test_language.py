"""The shared language module: the EntityRuler over the graph's labels and the objective rules."""

from __future__ import annotations

import pytest

from skillkg import iris, language
from skillkg.store import Store

FEATURE = "https://w3id.org/skillkg/id/feature/"
IOM, IOE = iris.individual("organisation", "iom"), iris.individual("organisation", "ioe")
TRAINING = FEATURE + "training"
RECOGNITION = FEATURE + "skills-recognition"
MUTUAL = iris.individual("recognition", "mutual-recognition")
TURKEY, ASIA = iris.country("TUR"), iris.region(142)
SDG_FRAMEWORK = iris.individual("framework", "2030-agenda")
GCM_FRAMEWORK = iris.individual("framework", "global-compact-for-migration")
SMP_CLASS = iris.skg("SkillsMobilityPartnership")


def _store(turtle: str) -> Store:
    store = Store.memory()
    prologue = iris.sparql_prologue().replace("PREFIX ", "@prefix ").replace(">\n", "> .\n")
    store.replace_graph(iris.graph("test"), prologue + turtle, "turtle")
    return store


@pytest.fixture(scope="module")
def store() -> Store:
    """A small graph: a few concepts with labels in English and French."""
    return _store("""
organisation:iom a skg:Stakeholder ; skos:prefLabel "International Organization for Migration"@en,
    "Organisation internationale pour les migrations"@fr ; skos:altLabel "IOM"@en, "OIM"@fr .
organisation:ioe a skg:Stakeholder ; skos:prefLabel "International Organisation of Employers"@en ;
    skos:altLabel "IOE"@en, "OIE"@fr .
feature:training a skg:SMPFeature ; skos:prefLabel "training"@en, "formation"@fr ;
    skos:altLabel "formation professionnelle"@fr .
feature:skills-recognition a skg:SMPFeature ; skos:prefLabel "skills recognition"@en,
    "reconnaissance des compétences"@fr ; skos:altLabel "reconnaissance mutuelle"@fr .
feature:migration-mobility a skg:SMPFeature ; skos:prefLabel "migration or mobility"@en ;
    skos:altLabel "mobilité"@fr .
recognition:mutual-recognition a skg:RecognitionMechanism ; skos:prefLabel "reconnaissance mutuelle"@fr .
stakeholderkind:education-institution a skg:StakeholderKind ;
    skos:prefLabel "établissement d'enseignement"@fr, "education institution"@en .
country:TUR a skg:Country ; skos:prefLabel "Turkey"@en, "Turquie"@fr ; skos:altLabel "Türkiye"@en .
region:m49-142 a skg:Region ; skos:prefLabel "Asia"@en, "Asie"@fr .
framework:2030-agenda a skg:Framework ; skos:prefLabel "2030 Agenda for Sustainable Development"@en ;
    skos:altLabel "objectifs de développement durable"@fr, "Sustainable Development Goals"@en .
framework:global-compact-for-migration a skg:Framework ; skos:altLabel "Pacte mondial"@fr,
    "Global Compact for Migration"@en .
gcm:objective-18 a skg:GCMObjective ; skos:altLabel "objectif 18"@fr, "GCM objective 18"@en,
    "Skills development and recognition"@en .
sdg:8.8 a skg:SDG ; skos:altLabel "cible 8.8"@fr .
skg:SkillsMobilityPartnership a owl:Class ; rdfs:label "partenariat pour la mobilité des compétences"@fr ;
    skos:altLabel "PMC"@fr .
""")


def iris_of(text: str, lang: str, store: Store) -> list[str]:
    return [m.iri for m in language.link(text, lang, store=store)]


def test_mentions_carry_offsets_into_the_text_and_the_preferred_label(store: Store) -> None:
    text = "Avec l’OIM, la formation professionnelle progresse."
    mentions = language.link(text, "fr", store=store)
    assert [(m.iri, m.text) for m in mentions] == [(IOM, "OIM"), (TRAINING, "formation professionnelle")]
    for m in mentions:
        assert text[m.start:m.end] == m.text
    assert mentions[0].label == "Organisation internationale pour les migrations"
    assert mentions[0].kind == "organisation" and mentions[1].kind == "feature"


def test_matching_ignores_case_accents_and_plurals(store: Store) -> None:
    assert iris_of("LES ETABLISSEMENTS D'ENSEIGNEMENT", "fr", store) == [
        iris.individual("stakeholder-kind", "education-institution")]
    assert iris_of("Reconnaissance des competences", "fr", store) == [RECOGNITION]


def test_acronyms_match_exactly_and_one_word_names_need_a_capital(store: Store) -> None:
    assert iris_of("l'OIE et l'OIM", "fr", store) == [IOE, IOM]
    assert iris_of("une oie dans le pré", "fr", store) == []  # the bird is not the organisation
    assert iris_of("partnerships with Turkey", "en", store) == [TURKEY]
    assert iris_of("a roast turkey", "en", store) == []


def test_a_label_shared_by_two_concepts_links_both(store: Store) -> None:
    assert sorted(iris_of("la reconnaissance mutuelle des qualifications", "fr", store)) == sorted(
        [RECOGNITION, MUTUAL])


def test_labels_in_the_other_language_link_unless_they_are_one_common_word(store: Store) -> None:
    assert iris_of("IOM works in Asie and Asia", "en", store) == [IOM, ASIA, ASIA]
    assert iris_of("capital formation", "en", store) == []  # French "formation" is not English


def test_class_names_block_the_words_inside_them(store: Store) -> None:
    """"mobilité" inside "partenariats pour la mobilité des compétences" is not the feature."""
    assert iris_of("les partenariats pour la mobilité des compétences", "fr", store) == []
    assert iris_of("la mobilité des travailleurs", "fr", store) == [FEATURE + "migration-mobility"]
    analysis = language.analyse("Les PMC exigent une coopération.", "fr", store=store)
    assert analysis.mentions == [] and "PMC" not in [c.text for c in analysis.candidates]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("l'objectif 18", "fr", [iris.gcm_objective(18)]),  # only the Compact has objective 18
        ("ODD 4", "fr", [iris.sdg(4)]),
        ("SDG 8 and SDG4", "en", [iris.sdg(8), iris.sdg(4)]),
        ("GCM objective 18", "en", [iris.gcm_objective(18)]),
        ("Objective 5 of the Compact", "en", [iris.gcm_objective(5)]),  # English: GCM has objectives
        ("Goal 8", "en", [iris.sdg(8)]),  # English: SDGs are goals
        ("les objectifs du Pacte mondial 5 et 18", "fr", [iris.gcm_objective(5), iris.gcm_objective(18)]),
        ("cible 8.8", "fr", [iris.sdg("8.8")]),  # a target the graph knows
        ("cible 4.3", "fr", [iris.sdg(4)]),  # a target it does not: the goal
    ],
)
def test_objectives_as_written_in_running_text(text: str, lang: str, expected: list[str],
                                               store: Store) -> None:
    found = [m.iri for m in language.link(text, lang, store=store) if m.kind in ("gcm", "sdg")]
    assert found == expected


def test_a_bare_objective_number_takes_the_framework_named_before_it(store: Store) -> None:
    sdgs = ("Au titre des objectifs de développement durable, au regard des objectifs 4 (éducation "
            "de qualité, y compris possibilités), 8 (travail décent et croissance) et 10 (réduction "
            "des inégalités).")
    assert [m.iri for m in language.link(sdgs, "fr", store=store)] == [
        SDG_FRAMEWORK, iris.sdg(4), iris.sdg(8), iris.sdg(10)]
    gcm = "le Pacte mondial comporte deux objectifs : l'objectif 5, qui définit; et l'objectif 18"
    assert [m.iri for m in language.link(gcm, "fr", store=store)] == [
        GCM_FRAMEWORK, iris.gcm_objective(5), iris.gcm_objective(18)]
    mixed = "objectifs 4, 8 et 10"  # no framework anywhere: SDG or GCM? left unlinked
    assert language.link(mixed, "fr", store=store) == []
    assert [c.label for c in language.analyse(mixed, "fr", store=store).candidates] == ["OBJECTIVE"]


def test_french_candidates_come_from_the_statistical_ner(store: Store) -> None:
    analysis = language.analyse("L'OIM coopère avec la GIZ en Allemagne.", "fr", store=store)
    assert [m.iri for m in analysis.mentions] == [IOM]
    assert {"GIZ", "Allemagne"} <= {c.text for c in analysis.candidates}


def test_english_candidates_come_from_rules(store: Store) -> None:
    analysis = language.analyse("IOM and the European Training Foundation met the ETF board.",
                                "en", store=store)
    assert [m.iri for m in analysis.mentions] == [IOM]
    texts = {c.text for c in analysis.candidates}
    assert "European Training Foundation" in texts and "ETF" in texts


def test_the_linker_is_built_once_per_store_and_rebuilt_after_invalidate(store: Store) -> None:
    first = language.linker(store, "fr")
    assert language.linker(store, "fr") is first
    other = _store('organisation:iom a skg:Stakeholder ; skos:altLabel "OIM"@fr .')
    assert language.linker(other, "fr") is not first
    language.invalidate(store)
    assert language.linker(store, "fr") is not first


def test_pipelines_are_loaded_once_per_process() -> None:
    assert language.pipeline("fr") is language.pipeline("fr")
    assert "ner" in language.pipeline("fr").pipe_names  # fr_core_news_sm
    assert language.pipeline("en").pipe_names == []  # blank English plus rules


def test_bad_settings_and_languages_get_clear_errors(monkeypatch: pytest.MonkeyPatch,
                                                     store: Store) -> None:
    with pytest.raises(language.LanguageError, match="'de' is not supported"):
        language.link("Hallo", "de", store=store)
    monkeypatch.setenv("SKILLKG_SPACY_FR", "no_such_pipeline_xx")
    with pytest.raises(language.LanguageError, match="SKILLKG_SPACY_FR.*not installed"):
        language.pipeline("fr")


def test_empty_text_links_nothing(store: Store) -> None:
    assert language.link("   ", "fr", store=store) == []
    assert language.analyse("", "en", store=store) == language.Analysis()
