"""IRIs and prefixes: the one place where skillkg's IRIs are spelled out.

The IRIs are skillkg's public contract (see DESIGN.md): researchers hard-code
them in SPARQL.  Every other module builds IRIs through this one.

* Ontology terms live under :data:`SKG` (``https://w3id.org/skillkg/ontology#``).
* Individuals are ``https://w3id.org/skillkg/id/{kind}/{key}``; build them with
  :func:`individual`.
* Named graphs of the store are ``https://w3id.org/skillkg/graph/{name}``;
  build them with :func:`graph`.
"""

from __future__ import annotations

import re
import unicodedata

ONTOLOGY = "https://w3id.org/skillkg/ontology"
SKG = ONTOLOGY + "#"
ID = "https://w3id.org/skillkg/id/"
GRAPH = "https://w3id.org/skillkg/graph/"
#: SHACL shapes of ontology/shapes.ttl; a shape's local name is the rule id `skillkg validate` reports.
SHAPES = "https://w3id.org/skillkg/shapes#"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
SH = "http://www.w3.org/ns/shacl#"
FOAF = "http://xmlns.com/foaf/0.1/"
ESCO_ISCO = "http://data.europa.eu/esco/isco/C"
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
SDG_UN = "http://metadata.un.org/sdg/"

#: The kinds of individual (the ``{kind}`` segment of ``/id/{kind}/{key}``).
KINDS: dict[str, str] = {
    "partnership": "a partnership or programme (skg:Partnership)",
    "agreement": "an agreement, memorandum or mutual recognition arrangement (skg:Agreement)",
    "country": "a country, keyed by ISO 3166-1 alpha-3 (skg:Country)",
    "region": "a UN M49 region or subregion, keyed m49-NNN (skg:Region)",
    "grouping": "a political or economic grouping of countries (skg:Grouping)",
    "isco": "an ISCO-08 group, keyed by its code (skg:Occupation)",
    "occupation": "an ESCO occupation, keyed by its ESCO UUID (skg:Occupation)",
    "gcm": "a Global Compact for Migration objective, keyed objective-N (skg:GCMObjective)",
    "sdg": "a Sustainable Development Goal or target, keyed N or N.M (skg:SDG)",
    "isced": "an ISCED 2011 level (skg:EducationLevel)",
    "eqf": "an EQF level (skg:EducationLevel)",
    "feature": "one of the five features of an SMP, S/25/5 §7 (skg:SMPFeature)",
    "prerequisite": "a prerequisite of an SMP, S/25/5 §23-30 (skg:Prerequisite)",
    "challenge": "a challenge SMPs face, S/25/5 §10-14 (skg:Challenge)",
    "stakeholder-kind": "a kind of stakeholder, S/25/5 §8-9 (skg:StakeholderKind)",
    "role": "a role a stakeholder plays in a partnership (skg:StakeholderRole)",
    "stage": "a stage of the migration cycle, S/25/5 §29 (skg:MigrationCycleStage)",
    "training-location": "where training happens, S/25/5 §4 (skg:TrainingLocation)",
    "status": "the status of a partnership (skg:PartnershipStatus)",
    "recognition": "a way skills or qualifications are recognised (skg:RecognitionMechanism)",
    "organisation": "an organisation that takes part in partnerships (skg:Stakeholder)",
    "process": "a regional consultative process or cooperation forum (skg:CooperationProcess)",
    "framework": "a global framework such as the 2030 Agenda (skg:Framework)",
    "source": "a publication or web page cited as a source (skg:Source)",
    "document": "an ingested policy document (skg:PolicyDocument)",
    "passage": "a paragraph of an ingested policy document (skg:Passage)",
    "scheme": "a SKOS concept scheme",
    "participation": "a stakeholder's part in a partnership, with its role (skg:Participation)",
    "pipeline": "a skillkg ingest pipeline run (prov:Activity)",
}

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class IRIError(ValueError):
    """Raised when an IRI or key does not follow the scheme of DESIGN.md."""


def skg(local: str) -> str:
    """Return the IRI of the ontology term ``skg:{local}``."""
    return SKG + local


def individual(kind: str, key: str) -> str:
    """Return ``https://w3id.org/skillkg/id/{kind}/{key}``.

    ``kind`` must be one of :data:`KINDS`; ``key`` may contain ``/`` for
    nested individuals (``passage/{document}/{n}``), each segment being
    letters, digits, ``.``, ``_`` or ``-``.
    """
    if kind not in KINDS:
        raise IRIError(f"unknown individual kind {kind!r}; use one of: {', '.join(sorted(KINDS))}")
    for segment in key.split("/"):
        if not _KEY.match(segment):
            raise IRIError(
                f"key {key!r} for kind {kind!r} is not valid: each segment must match "
                f"{_KEY.pattern} (use slugify() on free text)"
            )
    return f"{ID}{kind}/{key}"


def split_individual(iri: str) -> tuple[str, str] | None:
    """Return ``(kind, key)`` for a skillkg individual IRI, or ``None`` for any other IRI."""
    if not iri.startswith(ID):
        return None
    rest = iri[len(ID) :]
    kind, _, key = rest.partition("/")
    if kind not in KINDS or not key:
        return None
    return kind, key


def graph(name: str) -> str:
    """Return the IRI of the store's named graph ``name`` (e.g. ``ontology``, ``inferred``)."""
    if not all(_KEY.match(s) for s in name.split("/")):
        raise IRIError(f"graph name {name!r} is not valid")
    return GRAPH + name


def slugify(text: str) -> str:
    """Turn free text into a key: ASCII, lower case, words joined by ``-``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
    if not slug:
        raise IRIError(f"cannot make a key from {text!r}")
    return slug


def country(alpha3: str) -> str:
    """IRI of a country from its ISO 3166-1 alpha-3 code."""
    return individual("country", alpha3.upper())


def region(m49: str | int) -> str:
    """IRI of a UN M49 region or subregion from its numeric code."""
    return individual("region", f"m49-{int(m49):03d}")


def isco(code: str) -> str:
    """IRI of an ISCO-08 group from its code (1 to 4 digits)."""
    if not re.fullmatch(r"\d{1,4}", code):
        raise IRIError(f"ISCO-08 code {code!r} must be 1 to 4 digits")
    return individual("isco", code)


def gcm_objective(n: int) -> str:
    """IRI of Global Compact for Migration objective ``n`` (1-23)."""
    if not 1 <= int(n) <= 23:
        raise IRIError(f"GCM objective {n} is out of range 1-23")
    return individual("gcm", f"objective-{int(n)}")


def sdg(goal: int | str) -> str:
    """IRI of an SDG (``4``) or target (``"8.8"``, ``"10.7"``)."""
    return individual("sdg", str(goal))


#: Prefixes used in Turtle output, SPARQL queries and the documentation.
PREFIXES: dict[str, str] = {
    "skg": SKG,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "org": ORG,
    "sh": SH,
    "shape": SHAPES,
    "foaf": FOAF,
    "esco": ESCO_ISCO[:-1],
    "partnership": ID + "partnership/",
    "agreement": ID + "agreement/",
    "country": ID + "country/",
    "region": ID + "region/",
    "grouping": ID + "grouping/",
    "isco": ID + "isco/",
    "gcm": ID + "gcm/",
    "sdg": ID + "sdg/",
    "feature": ID + "feature/",
    "prerequisite": ID + "prerequisite/",
    "challenge": ID + "challenge/",
    "stakeholderkind": ID + "stakeholder-kind/",
    "role": ID + "role/",
    "stage": ID + "stage/",
    "traininglocation": ID + "training-location/",
    "status": ID + "status/",
    "recognition": ID + "recognition/",
    "organisation": ID + "organisation/",
    "process": ID + "process/",
    "framework": ID + "framework/",
    "source": ID + "source/",
    "isced": ID + "isced/",
    "eqf": ID + "eqf/",
    "scheme": ID + "scheme/",
    "document": ID + "document/",
    "passage": ID + "passage/",
    "participation": ID + "participation/",
}


def sparql_prologue(names: list[str] | None = None) -> str:
    """Return ``PREFIX`` lines for SPARQL (all prefixes, or only ``names``)."""
    items = PREFIXES.items() if names is None else ((n, PREFIXES[n]) for n in names)
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in items)
