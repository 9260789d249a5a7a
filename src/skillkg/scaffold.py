"""``skillkg new partnership|agreement|organisation KEY``: start a record from a template.

The templates list every field a record can carry, with comments that say
what goes there, and ``TODO-...`` placeholders that ``skillkg validate``
reports until they are replaced (a placeholder never passes as data).  The
file is valid Turtle from the start, so a contributor can validate as they go.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from skillkg import iris

_PREFIXES = """\
@prefix country: <https://w3id.org/skillkg/id/country/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix feature: <https://w3id.org/skillkg/id/feature/> .
@prefix isco: <https://w3id.org/skillkg/id/isco/> .
@prefix organisation: <https://w3id.org/skillkg/id/organisation/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
$kindprefix@prefix recognition: <https://w3id.org/skillkg/id/recognition/> .
@prefix role: <https://w3id.org/skillkg/id/role/> .
@prefix skg: <https://w3id.org/skillkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix source: <https://w3id.org/skillkg/id/source/> .
@prefix stakeholderkind: <https://w3id.org/skillkg/id/stakeholder-kind/> .
@prefix status: <https://w3id.org/skillkg/id/status/> .
@prefix traininglocation: <https://w3id.org/skillkg/id/training-location/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

_RECORD = """\
# $title: $key
#
# Created by `skillkg new $kind $key`. Replace every TODO-... placeholder with what
# a source you have read states; delete the lines you cannot confirm and say so in
# skg:unconfirmed instead. Never add a fact no source states. Then run
#     skillkg validate $path
#     skillkg fmt $path
# The record format is explained in ontology/README.md and CONTRIBUTING.md.
#
# Every fact has one owl:Axiom below naming its source; keep them in step: when
# you add a second origin country, add a second axiom; when you delete a fact,
# delete its axiom.

""" + _PREFIXES + """
# The record. Class: $classes.
$prefix:$key a $cls ;
    # Exactly one name in English and one in French (a proper name may be repeated).
    skos:prefLabel "TODO-English name"@en, "TODO-nom français"@fr ;
    # Other names and acronyms, any number (delete if none).
    skos:altLabel "TODO-acronym"@en ;
    # One or two sentences from the sources, in English and in French.
    dcterms:description "TODO-what the arrangement does, from its sources."@en,
        "TODO-la même chose en français."@fr ;
    # Countries: ISO 3166-1 alpha-3 codes in capitals (country:PHL, country:DEU).
    skg:originCountry country:TODO-origin ;
    skg:destinationCountry country:TODO-destination ;
    # ISCO-08 groups (ontology/vocab/isco08.ttl), as specific as the source allows (isco:2221).
    skg:coversOccupation isco:TODO-code ;
    # The features of S/25/5 §7 the source describes: feature:state-cooperation,
    # feature:multi-stakeholder-participation, feature:training, feature:skills-recognition,
    # feature:migration-mobility. A partnership with all five is classified as an SMP.
    skg:hasFeature feature:TODO-feature ;
    # traininglocation:origin-country, traininglocation:destination-country or traininglocation:third-country.
    skg:trainingLocation traininglocation:TODO-location ;
    # recognition:equivalence-assessment, licensing-examination, skills-test, mutual-recognition, ...
    skg:recognitionMechanism recognition:TODO-mechanism ;
    skg:trainingNote "TODO-what training is given, where, in words."@en ;
    skg:recognitionNote "TODO-how skills or qualifications are recognised, in words."@en ;
    # One participation per organisation and role (defined below).
    skg:hasParticipation <https://w3id.org/skillkg/id/participation/$key/todo-organisation> ;
    # Years as bare integers.
    skg:startYear 0 ;
    # status:active, status:ended, status:planned or status:unknown.
    skg:status status:TODO-status ;
    # What you looked for and could not confirm, in words.
    skg:unconfirmed "TODO-e.g. end year not stated in the sources consulted"@en ;
    # Every source the record uses (defined below).
    dcterms:source source:$key-TODO-source .

<https://w3id.org/skillkg/id/participation/$key/todo-organisation> a skg:Participation ;
    # An organisation of ontology/vocab/ (grep for it first; `skillkg new organisation KEY` if new).
    skg:participant organisation:TODO-organisation ;
    # role:government-party, funder, implementer, training-provider, recruiter, employer,
    # recognition-authority, coordinator, founder.
    skg:inRole role:TODO-role .

source:$key-TODO-source a skg:Source ;
    dcterms:title "TODO-title of the page or document"@en ;
    # The page you read, as a plain string; for a document without URL use
    # dcterms:bibliographicCitation "..." instead.
    skg:url "TODO-https://..." ;
    dcterms:publisher "TODO-publisher" ;
    # The date you read it.
    dcterms:date "TODO-yyyy-mm-dd"^^xsd:date .

# One owl:Axiom per fact: which source states it (skg:citation: where in the source).
$axioms"""

_FACTS = [
    ("skg:originCountry", "country:TODO-origin"),
    ("skg:destinationCountry", "country:TODO-destination"),
    ("skg:coversOccupation", "isco:TODO-code"),
    ("skg:hasFeature", "feature:TODO-feature"),
    ("skg:trainingLocation", "traininglocation:TODO-location"),
    ("skg:recognitionMechanism", "recognition:TODO-mechanism"),
    ("skg:hasParticipation", "<https://w3id.org/skillkg/id/participation/$key/todo-organisation>"),
    ("skg:startYear", "0"),
    ("skg:status", "status:TODO-status"),
]

_AXIOM = """\
[] a owl:Axiom ;
    owl:annotatedSource $prefix:$key ;
    owl:annotatedProperty $property ;
    owl:annotatedTarget $target ;
    dcterms:source source:$key-TODO-source ;
    skg:citation "TODO-page, section or paragraph" .
"""

_ORGANISATION = """\
# Organisation: $key
#
# Created by `skillkg new organisation $key`. Before adding an organisation, grep
# ontology/vocab/*.ttl for it: reuse an existing IRI rather than making a twin.
# Replace every TODO-... placeholder, then run
#     skillkg validate $path
#     skillkg fmt $path
# The source may be one defined in a record file (source:KEY).

""" + _PREFIXES + """
organisation:$key a skg:Stakeholder ;
    # Exactly one name in English and one in French (its official French name if it has one).
    skos:prefLabel "TODO-English name"@en, "TODO-nom français"@fr ;
    # Acronyms and other names.
    skos:altLabel "TODO-acronym"@en ;
    # The kind: ministry, public-agency, employer, tvet-provider, trade-union,
    # international-organisation, development-agency, ... (scheme:stakeholder-kinds).
    skg:stakeholderKind stakeholderkind:TODO-kind ;
    # ISO 3166-1 alpha-3 (delete for an international organisation).
    skg:basedIn country:TODO-country ;
    dcterms:source source:TODO-source .
"""

KINDS = {
    "partnership": ("Partnership record", "skg:Partnership",
                    "skg:Partnership, or skg:LabourMobilityScheme for a government admission scheme"),
    "agreement": ("Agreement record", "skg:BilateralLabourAgreement",
                  "skg:BilateralLabourAgreement, skg:MemorandumOfUnderstanding or "
                  "skg:MutualRecognitionArrangement"),
    "organisation": ("Organisation", "skg:Stakeholder", "skg:Stakeholder"),
}


class ScaffoldError(ValueError):
    """The record cannot be created (bad key, file exists); the message says what to do."""


def target_path(ontology_dir: Path, kind: str, key: str) -> Path:
    """Where ``skillkg new KIND KEY`` writes: partnerships/KEY.ttl or vocab/organisation-KEY.ttl."""
    if kind == "organisation":
        return ontology_dir / "vocab" / f"organisation-{key}.ttl"
    return ontology_dir / "partnerships" / f"{key}.ttl"


def render(kind: str, key: str, path: str) -> str:
    """The template text for a new ``kind`` (partnership, agreement, organisation) called ``key``."""
    if kind not in KINDS:
        raise ScaffoldError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if iris.slugify(key) != key:
        raise ScaffoldError(f"key {key!r} is not a lower-case slug: use {iris.slugify(key)!r} "
                            "(letters, digits and hyphens)")
    iris.individual(kind, key)
    title, cls, classes = KINDS[kind]
    values = {"key": key, "kind": kind, "prefix": kind, "title": title, "cls": cls,
              "classes": classes, "path": path,
              "kindprefix": "" if kind == "organisation" else
              f"@prefix {kind}: <{iris.ID}{kind}/> .\n"}
    if kind == "organisation":
        return Template(_ORGANISATION).substitute(values)
    axioms = "\n".join(
        Template(_AXIOM).substitute(values, property=p, target=Template(t).substitute(key=key))
        for p, t in _FACTS)
    return Template(_RECORD).substitute(values, axioms=axioms)


def create(ontology_dir: Path, kind: str, key: str) -> Path:
    """Write the template for ``kind`` ``key`` under ``ontology_dir``; refuse to overwrite."""
    path = target_path(ontology_dir, kind, key)
    if path.exists():
        raise ScaffoldError(f"{path} already exists; edit it, or choose another key "
                            "(skillkg new never overwrites a file)")
    try:
        shown = path.relative_to(ontology_dir.parent)
    except ValueError:
        shown = path
    text = render(kind, key, str(shown))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
    return path
