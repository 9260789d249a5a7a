"""Query understanding: from a question to constraints on the graph.

``interpret("which partnerships cover nursing recognition between Asia and
Europe")`` links the entities the question names through the shared language
module (:mod:`skillkg.language`, the same EntityRuler that ingest uses), then
adds what a search needs:

* **places** with a **direction**: "from A to B" / "de A vers B" (origin A,
  destination B), "between A and B" / "entre A et B" (either direction),
  "to B" / "vers B" (destination), "from A" / "depuis A" (origin);
* **occupations** on the ISCO-08 hierarchy: besides exact labels, a word such
  as "nursing" or "infirmiers" reaches every ISCO group whose label contains it,
  reduced to the top-most groups (222 and 322 for nursing);
* **features**, **objectives**, **stakeholders** and other concepts;
* the **target**: arrangements (partnership, agreement, programme…),
  passages (paragraph, §…) or anything.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from skillkg import iris
from skillkg.index import fold
from skillkg.store import Store

#: The longest question accepted, in characters.
MAX_QUERY_LENGTH = 500

_FR_HINTS = re.compile(
    r"\b(quels?|quelles?|les|des|entre|vers|depuis|et|partenariats?|accords?|infirmi\w*|"
    r"reconnaissance|formation|compétences|pays|qui|dans|pour|sur)\b",
    re.IGNORECASE,
)
_EN_HINTS = re.compile(
    r"\b(which|what|the|between|from|to|and|partnerships?|agreements?|nurs\w*|"
    r"recognition|training|skills|countries|who|in|for|on)\b",
    re.IGNORECASE,
)

_ARRANGEMENT_WORDS = re.compile(
    r"\b(partnerships?|agreements?|programmes?|programs?|schemes?|arrangements?|mous?|"
    r"memorand\w*|mras?|corridors?|projects?|initiatives?|pathways?|"
    r"partenariats?|accords?|projets?|dispositifs?|arrangements?|couloirs?|pmc|smps?)\b",
    re.IGNORECASE,
)
#: The name of the concept, not a request for arrangements: "the five features of a skills
#: mobility partnership" asks about the concept, "which partnerships…" asks for records.
_CONCEPT_NAMES = re.compile(
    r"\b(skills? mobility partnerships?|partenariats? (?:pour|de) la mobilit[ée] des "
    r"comp[ée]tences|pmc|smps?)\b",
    re.IGNORECASE,
)
_PASSAGE_WORDS = re.compile(
    r"(\bparagraphs?\b|\bparagraphes?\b|\bpassages?\b|§|\bpaper\b|\bdocument\b|\bs/25/5\b|"
    r"\bwhere does\b|\bque dit\b)",
    re.IGNORECASE,
)


class QueryError(ValueError):
    """The question cannot be searched; the message says why and what is accepted."""


@dataclass(frozen=True)
class Link:
    """One entity the question names."""

    iri: str
    kind: str  # the IRI's kind: country, region, grouping, isco, feature, gcm, sdg, …
    text: str
    start: int
    end: int
    label: str = ""
    how: str = "label"  # "label" (EntityRuler) or "occupation-word" (ISCO lexicon)


@dataclass
class Interpretation:
    """What the search understood of a question."""

    query: str
    language: str
    target: str  # "arrangement", "passage" or "any"
    links: list[Link] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    destinations: list[str] = field(default_factory=list)
    either_direction: list[list[str]] = field(default_factory=list)  # [[A…], [B…]]
    places: list[str] = field(default_factory=list)  # no direction given
    occupations: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    objectives: list[str] = field(default_factory=list)
    stakeholders: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)

    def has_constraints(self) -> bool:
        return any((self.origins, self.destinations, self.either_direction, self.places,
                    self.occupations, self.features, self.objectives, self.stakeholders))

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out["links"] = [asdict(link) for link in self.links]
        return out


def validate_query(text: str) -> str:
    """Return ``text`` stripped, or raise :class:`QueryError` for empty, long or control text."""
    if text is None or not text.strip():
        raise QueryError("the query is empty: type a question, e.g. 'nursing partnerships'")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"the query is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}"
        )
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text):
        raise QueryError("the query contains control characters; remove them")
    return " ".join(text.split())


def detect_language(text: str) -> str:
    """``fr`` or ``en``, by counting function words and accents; English when unsure."""
    fr = len(_FR_HINTS.findall(text)) + 2 * len(re.findall(r"[éèêàçùû]", text))
    en = len(_EN_HINTS.findall(text))
    return "fr" if fr > en else "en"


# -- the occupation lexicon ----------------------------------------------------------

#: Words that name an occupation in running text, English and French (folded: lower case,
#: no accents), and the ISCO-08 groups they reach.  Exact ISCO labels ("nursing
#: professionals") are linked by the language module's EntityRuler; this table adds the
#: everyday words people type.  It is curated rather than derived from every word of every
#: ISCO label, because label words such as "planning", "process" or "education" name
#: managers, technicians or teachers, not what a question about partnerships means.
#: Each code must be an ISCO-08 group; words are reduced to their top-most groups.
OCCUPATION_WORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("nurse", "nurses", "nursing", "infirmier", "infirmiers", "infirmiere",
                     "infirmieres"), ("222", "322")),
    **dict.fromkeys(("midwife", "midwives", "midwifery", "sage-femme", "sages-femmes"),
                    ("2222", "3222")),
    **dict.fromkeys(("doctor", "doctors", "physician", "physicians", "medecin", "medecins"),
                    ("221",)),
    **dict.fromkeys(("caregiver", "caregivers", "carer", "carers", "caregiving",
                     "aide-soignant", "aides-soignants", "aide-soignante", "aides-soignantes"),
                    ("532",)),
    **dict.fromkeys(("engineer", "engineers", "engineering", "ingenieur", "ingenieurs",
                     "ingenierie"), ("214", "215")),
    **dict.fromkeys(("developer", "developers", "programmer", "programmers", "developpeur",
                     "developpeurs", "programmeur", "programmeurs"), ("251",)),
    **dict.fromkeys(("ict", "tic", "informatique", "informaticien", "informaticiens"),
                    ("25", "35")),
    **dict.fromkeys(("cook", "cooks", "cuisinier", "cuisiniers"), ("512",)),
    **dict.fromkeys(("waiter", "waiters", "serveur", "serveurs"), ("5131",)),
    **dict.fromkeys(("electrician", "electricians", "electricien", "electriciens"), ("741",)),
    **dict.fromkeys(("mechanic", "mechanics", "mecanicien", "mecaniciens"), ("723",)),
    **dict.fromkeys(("welder", "welders", "soudeur", "soudeurs"), ("7212",)),
    **dict.fromkeys(("teacher", "teachers", "enseignant", "enseignants"), ("23",)),
    **dict.fromkeys(("agricultural", "farm", "farmworker", "farmworkers", "agricole",
                     "agricoles"), ("61", "92")),
    **dict.fromkeys(("domestic", "domestiques"), ("9111",)),
    **dict.fromkeys(("construction", "batiment"), ("71",)),
    **dict.fromkeys(("driver", "drivers", "chauffeur", "chauffeurs"), ("83",)),
    **dict.fromkeys(("physiotherapist", "physiotherapists", "kinesitherapeute",
                     "kinesitherapeutes"), ("2264",)),
    **dict.fromkeys(("pharmacist", "pharmacists", "pharmacien", "pharmaciens"), ("2262",)),
}


@dataclass(frozen=True)
class OccupationLexicon:
    """ISCO groups by the everyday words that name them (:data:`OCCUPATION_WORDS`)."""

    groups_by_word: dict[str, frozenset[str]]
    parent: dict[str, str]
    label: dict[str, str]

    def lookup(self, word: str) -> list[str]:
        """The top-most ISCO groups that ``word`` names (any case, with or without accents)."""
        hits = set(self.groups_by_word.get(fold(word), frozenset()))
        top = []
        for iri in hits:
            ancestor = self.parent.get(iri)
            covered = False
            while ancestor:
                if ancestor in hits:
                    covered = True
                    break
                ancestor = self.parent.get(ancestor)
            if not covered:
                top.append(iri)
        return sorted(top)


def build_lexicon(store: Store, words: dict[str, tuple[str, ...]] | None = None
                  ) -> OccupationLexicon:
    """The lexicon of ``words`` (default :data:`OCCUPATION_WORDS`) over the ISCO groups of
    ``store``, with their hierarchy and English labels; codes absent from the store are
    left out."""
    rows = store.select(
        """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX skg: <https://w3id.org/skillkg/ontology#>
        SELECT ?g ?label ?parent WHERE {
          ?g a skg:Occupation ; skos:prefLabel ?label .
          FILTER (STRSTARTS(STR(?g), "%s"))
          OPTIONAL { ?g skos:broader ?parent }
        }""" % (iris.ID + "isco/")
    )
    parent: dict[str, str] = {}
    label: dict[str, str] = {}
    for g, lab, par in rows.rows:
        if par is not None:
            parent[g.value] = par.value
        if lab.language == "en" or g.value not in label:
            label[g.value] = lab.value
    groups = {
        word: frozenset(iri for iri in (iris.isco(code) for code in codes) if iri in label)
        for word, codes in (words or OCCUPATION_WORDS).items()
    }
    return OccupationLexicon({w: g for w, g in groups.items() if g}, parent, label)


# -- directions ------------------------------------------------------------------------

_ART = r"(?:\s+the|\s+l'|\s+la|\s+le|\s+les|\s+d'|\s+du|\s+des)?"
_BETWEEN = re.compile(r"\b(between|entre)" + _ART + r"\s*$", re.IGNORECASE)
_AND = re.compile(r"^\s*(and|et|&)" + _ART + r"\s*$", re.IGNORECASE)
_TO_BETWEEN = re.compile(
    r"^\s*(to|into|towards|->|→|vers|à|a|au|aux|en|jusqu'en)" + _ART + r"\s*$", re.IGNORECASE
)
_FROM = re.compile(r"\b(from|depuis|originating in|origin|d'origine|de|du|des|d')" + _ART
                   + r"\s*$", re.IGNORECASE)
_TO = re.compile(
    r"\b(to|into|towards|in|vers|à destination de|a destination de|destination|en|au|aux)"
    + _ART + r"\s*$",
    re.IGNORECASE,
)


#: "partenariats de l'UE", "accords du Japon": French "de" after an arrangement word says
#: whose arrangement it is, not where workers come from.
_OF_ARRANGEMENT = re.compile(
    r"\b(partenariats?|accords?|programmes?|projets?|dispositifs?|arrangements?|"
    r"m[ée]morandums?)\s+(de|du|des|d')" + _ART + r"\s*$",
    re.IGNORECASE,
)


def _assign_directions(interp: Interpretation, places: list[Link], text: str) -> None:
    i = 0
    while i < len(places):
        here = places[i]
        before = text[: here.start]
        nxt = places[i + 1] if i + 1 < len(places) else None
        gap = text[here.end: nxt.start] if nxt else ""
        if nxt is not None and _BETWEEN.search(before) and _AND.match(gap):
            interp.either_direction.append([here.iri, nxt.iri])
            i += 2
            continue
        if nxt is not None and _TO_BETWEEN.match(gap) and (
            _FROM.search(before) or not _TO.search(before)
        ):
            interp.origins.append(here.iri)
            interp.destinations.append(nxt.iri)
            i += 2
            continue
        if (_FROM.search(before) and not _TO.search(before[-12:])
                and not _OF_ARRANGEMENT.search(before)):
            interp.origins.append(here.iri)
        elif _TO.search(before):
            interp.destinations.append(here.iri)
        else:
            interp.places.append(here.iri)
        i += 1


# -- interpretation --------------------------------------------------------------------

Linker = Callable[[str, str], Sequence[object]]

_PLACE_KINDS = {"country", "region", "grouping"}
_FEATURE_WORDS = {
    # words that name features without being their labels, in both languages
    "recognised": "skills-recognition", "recognized": "skills-recognition",
    "recognise": "skills-recognition", "recognize": "skills-recognition",
    "reconnues": "skills-recognition", "reconnaitre": "skills-recognition",
    "trained": "training", "train": "training", "former": "training", "formes": "training",
}


def interpret(text: str, store: Store, linker: Linker | None = None,
              language: str | None = None) -> Interpretation:
    """Turn a question into an :class:`Interpretation` (entities, directions, target)."""
    query = validate_query(text)
    lang = language or detect_language(query)
    interp = Interpretation(query=query, language=lang, target="any")
    if _ARRANGEMENT_WORDS.search(_CONCEPT_NAMES.sub(" ", query)):
        interp.target = "arrangement"
    elif _PASSAGE_WORDS.search(query):
        interp.target = "passage"

    link_fn = linker or _default_linker(store)
    links: list[Link] = []
    for m in link_fn(query, lang):
        iri = getattr(m, "iri", None)
        if not iri:
            continue
        parts = iris.split_individual(iri)
        kind = parts[0] if parts else "other"
        links.append(Link(iri=iri, kind=kind, text=getattr(m, "text", ""),
                          start=int(getattr(m, "start", 0)), end=int(getattr(m, "end", 0)),
                          label=getattr(m, "label", "") or ""))

    # occupation words the ruler did not link ("nursing", "infirmiers")
    lexicon = _lexicon(store)
    covered = [(link.start, link.end) for link in links]
    for match in re.finditer(r"[\w'-]+", query):
        if any(s <= match.start() < e for s, e in covered):
            continue
        for group in lexicon.lookup(match.group()):
            links.append(Link(iri=group, kind="isco", text=match.group(), start=match.start(),
                              end=match.end(), label=lexicon.label.get(group, ""),
                              how="occupation-word"))
    for match in re.finditer(r"[\w'-]+", fold(query)):
        key = _FEATURE_WORDS.get(match.group())
        if key and not any(link.iri.endswith("/" + key) for link in links):
            links.append(Link(iri=iris.individual("feature", key), kind="feature",
                              text=match.group(), start=match.start(), end=match.end(),
                              how="feature-word"))

    links.sort(key=lambda link: (link.start, link.iri))
    interp.links = _dedupe(links)
    places = [link for link in interp.links if link.kind in _PLACE_KINDS]
    _assign_directions(interp, places, query)
    for link in interp.links:
        if link.kind in ("isco", "occupation") and link.iri not in interp.occupations:
            interp.occupations.append(link.iri)
        elif link.kind == "feature" and link.iri not in interp.features:
            interp.features.append(link.iri)
        elif link.kind in ("gcm", "sdg") and link.iri not in interp.objectives:
            interp.objectives.append(link.iri)
        elif link.kind == "organisation" and link.iri not in interp.stakeholders:
            interp.stakeholders.append(link.iri)
        elif link.kind not in _PLACE_KINDS and link.iri not in interp.concepts:
            interp.concepts.append(link.iri)
    # places or occupations with a feature ("nurses from Asia", "mutual recognition of
    # engineers") ask for the arrangements that link them
    if interp.target == "any" and ((places and (interp.occupations or interp.features))
                                   or (interp.occupations and interp.features)):
        interp.target = "arrangement"
    return interp


def _dedupe(links: list[Link]) -> list[Link]:
    seen: set[str] = set()
    out = []
    for link in links:
        if link.iri not in seen:
            seen.add(link.iri)
            out.append(link)
    return out


_LEXICONS: weakref.WeakKeyDictionary[Store, OccupationLexicon] = weakref.WeakKeyDictionary()


def _lexicon(store: Store) -> OccupationLexicon:
    """The occupation lexicon of ``store``, built once per store."""
    lexicon = _LEXICONS.get(store)
    if lexicon is None:
        lexicon = _LEXICONS[store] = build_lexicon(store)
    return lexicon


def _default_linker(store: Store) -> Linker:
    """The shared language module's entity linker over ``store``'s labels."""
    from skillkg import language

    return lambda text, lang: language.link(text, lang, store=store)
