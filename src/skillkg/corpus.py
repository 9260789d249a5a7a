"""The search corpus: one document per searchable entity, written from the graph.

Each :class:`SearchDocument` carries the entity's labels in English and
French, its description, and its key relations spelled out in words ("Origin:
Philippines (South-eastern Asia, Asia)"), so that both the embedding model and
BM25 can match questions about structure as well as about names.  Nothing is
read from anywhere but the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from skillkg import iris
from skillkg.store import Store

#: Searchable classes and the ``kind`` their documents get.
SEARCHABLE: dict[str, str] = {
    iris.skg("Partnership"): "partnership",
    iris.skg("Agreement"): "agreement",
    iris.skg("Occupation"): "occupation",
    iris.skg("Stakeholder"): "stakeholder",
    iris.skg("GCMObjective"): "objective",
    iris.skg("SDG"): "sdg",
    iris.skg("SMPFeature"): "concept",
    iris.skg("Prerequisite"): "concept",
    iris.skg("Challenge"): "concept",
    iris.skg("StakeholderKind"): "concept",
    iris.skg("MigrationCycleStage"): "concept",
    iris.skg("TrainingLocation"): "concept",
    iris.skg("RecognitionMechanism"): "concept",
    iris.skg("Framework"): "concept",
    iris.skg("CooperationProcess"): "concept",
    iris.skg("Passage"): "passage",
}

#: Relations written into an arrangement's document, with their English captions.
RELATIONS: dict[str, str] = {
    iris.skg("originCountry"): "Origin",
    iris.skg("destinationCountry"): "Destination",
    iris.skg("coversGrouping"): "Grouping",
    iris.skg("coversOccupation"): "Occupations",
    iris.skg("hasFeature"): "Features",
    iris.skg("trainingLocation"): "Training",
    iris.skg("recognitionMechanism"): "Recognition",
    iris.skg("contributesTo"): "Contributes to",
    iris.skg("basedOnAgreement"): "Based on",
    iris.skg("involvesStakeholder"): "Stakeholders",
    iris.skg("status"): "Status",
    iris.skg("inDocument"): "Document",
    iris.skg("mentions"): "Mentions",
    iris.skg("stakeholderKind"): "Kind",
    iris.skg("addressesChallenge"): "Addresses",
    iris.SKOS + "broader": "Part of",
}


@dataclass
class SearchDocument:
    """The text of one searchable entity, by field."""

    iri: str
    kind: str
    types: list[str]
    label: str
    label_fr: str = ""
    alt_labels: list[str] = field(default_factory=list)
    description: str = ""
    relations: str = ""
    text: str = ""  # a passage's text

    def fields(self) -> dict[str, str]:
        """The named fields, for explanations of lexical matches."""
        return {
            "label": self.label,
            "label_fr": self.label_fr,
            "alt_labels": "; ".join(self.alt_labels),
            "description": self.description,
            "relations": self.relations,
            "text": self.text,
        }

    def full_text(self) -> str:
        """Everything, as indexed by BM25."""
        return "\n".join(v for v in self.fields().values() if v)

    def embedding_text(self) -> str:
        """What the embedding model reads: labels, description, relations and text, bounded."""
        parts = [self.label]
        if self.label_fr and self.label_fr != self.label:
            parts.append(self.label_fr)
        if self.alt_labels:
            parts.append(", ".join(self.alt_labels[:8]))
        for extra in (self.description, self.relations, self.text):
            if extra:
                parts.append(extra)
        return ". ".join(parts)[:2000]

    def to_json(self) -> dict[str, object]:
        return asdict(self)


_ENTITIES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skg: <https://w3id.org/skillkg/ontology#>
SELECT ?e ?type ?p ?o WHERE {
  VALUES ?type { %s }
  ?e a ?type .
  VALUES ?p { skos:prefLabel skos:altLabel skos:definition dcterms:description skg:text
              skos:notation skg:trainingNote skg:recognitionNote skg:citation rdfs:label }
  ?e ?p ?o .
}
"""

_RELATIONS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?e ?p ?label WHERE {
  VALUES ?type { %s }
  VALUES ?p { %s }
  ?e a ?type ; ?p ?o .
  ?o skos:prefLabel ?label .
  FILTER (lang(?label) = "en")
}
"""

_PLACES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX skg: <https://w3id.org/skillkg/ontology#>
SELECT ?e ?p ?region WHERE {
  VALUES ?p { skg:originCountry skg:destinationCountry }
  ?e ?p ?country .
  ?country skg:locatedIn ?r .
  ?r a skg:Region ; skos:prefLabel ?region .
  FILTER (lang(?region) = "en")
}
"""

_ROLES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX skg: <https://w3id.org/skillkg/ontology#>
SELECT ?e ?who ?role WHERE {
  ?e skg:hasParticipation ?part .
  ?part skg:participant/skos:prefLabel ?who ; skg:inRole/skos:prefLabel ?role .
  FILTER (lang(?who) = "en" && lang(?role) = "en")
}
"""


def _values(iri_list: list[str]) -> str:
    return " ".join(f"<{i}>" for i in iri_list)


def collect_documents(store: Store, on_progress: Callable[[str], None] | None = None
                      ) -> list[SearchDocument]:
    """Write one :class:`SearchDocument` per searchable entity of ``store``, sorted by IRI."""
    step = on_progress or (lambda _m: None)
    types: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    alts: dict[str, list[str]] = defaultdict(list)
    descriptions: dict[str, list[str]] = defaultdict(list)
    texts: dict[str, str] = {}
    notations: dict[str, str] = {}

    step("entities and labels")
    rows = store.select(_ENTITIES % _values(list(SEARCHABLE)))
    for e, t, p, o in rows.rows:
        iri = e.value
        types[iri].add(t.value)
        pred = p.value
        lang = getattr(o, "language", None) or ""
        if pred.endswith("prefLabel") or pred.endswith("#label"):
            if lang in ("en", "fr") and lang not in labels[iri]:
                labels[iri][lang] = o.value
            elif not lang and "" not in labels[iri]:
                labels[iri][""] = o.value
        elif pred.endswith("altLabel"):
            alts[iri].append(o.value)
        elif pred.endswith("notation"):
            notations[iri] = o.value
        elif pred == iris.skg("text"):
            texts[iri] = o.value
        elif lang in ("", "en", "fr") or pred == iris.skg("citation"):
            descriptions[iri].append(o.value)

    step("relations")
    relations: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    rel_rows = store.select(_RELATIONS % (_values(list(SEARCHABLE)), _values(list(RELATIONS))))
    for e, p, label in rel_rows.rows:
        relations[e.value][RELATIONS[p.value]].add(label.value)
    for e, p, region in store.select(_PLACES).rows:
        relations[e.value][RELATIONS[p.value] + " region"].add(region.value)
    for e, who, role in store.select(_ROLES).rows:
        relations[e.value]["Roles"].add(f"{who} ({role})")

    docs: list[SearchDocument] = []
    for iri in sorted(types):
        kinds = {SEARCHABLE[t] for t in types[iri] if t in SEARCHABLE}
        kind = next((k for k in ("partnership", "agreement", "passage", "occupation",
                                 "stakeholder", "objective", "sdg", "concept") if k in kinds),
                    "concept")
        lab = labels[iri]
        label = lab.get("en") or lab.get("") or lab.get("fr") or iri.rsplit("/", 1)[-1]
        if kind == "passage":
            label = _passage_label(iri)
        if iri in notations and kind == "occupation":
            label = f"{label} (ISCO {notations[iri]})"
        rel_text = "; ".join(
            f"{caption}: {', '.join(sorted(values))}"
            for caption, values in sorted(relations[iri].items())
        )
        docs.append(
            SearchDocument(
                iri=iri,
                kind=kind,
                types=sorted(types[iri]),
                label=label,
                label_fr=lab.get("fr", ""),
                alt_labels=sorted(set(alts[iri])),
                description=" ".join(sorted(set(descriptions[iri]))),
                relations=rel_text,
                text=texts.get(iri, ""),
            )
        )
    step(f"{len(docs)} documents")
    return docs


def _passage_label(iri: str) -> str:
    """``passage/iom-s-25-5/7`` → ``iom-s-25-5 §7``; footnotes ``fn1`` → ``note 1``."""
    parts = iris.split_individual(iri)
    if parts is None:
        return iri
    doc, _, number = parts[1].rpartition("/")
    if number.startswith("fn"):
        return f"{doc} note {number[2:]}"
    return f"{doc} §{number}" if number.isdigit() else f"{doc} {number}"
