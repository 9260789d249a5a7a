"""The language pipeline: the one spaCy module, shared by document ingest and query understanding.

Two things happen here:

* **Pipelines**, loaded once per process: French with ``fr_core_news_sm``
  (``$SKILLKG_SPACY_FR``), English with a blank pipeline plus rules
  (``$SKILLKG_SPACY_EN``; set it to an installed model such as
  ``en_core_web_sm`` to get a statistical NER too).  The value ``blank``
  means ``spacy.blank(lang)``.
* **Entity linking** against the graph's own vocabulary: an EntityRuler
  generated from the labels (``skos:prefLabel``, ``skos:altLabel``,
  ``skos:hiddenLabel``, ``rdfs:label``, in English and French) of the
  individuals of :data:`LINKED_KINDS`, plus pattern rules for objectives
  as written in running text ("objectif 18", "objectifs 4, 8 et 10",
  "ODD 4", "SDG 8", "GCM objective 18").  The ruler is built once per
  store and cached; :func:`invalidate` drops it after the labels change.

Matching is accent-, case- and plural-insensitive (each token's ``NORM`` is
folded: ``Établissements`` → ``etablissement``), except for acronyms, which
match exactly (``OIE`` the organisation, never ``oie`` the bird), and
one-word proper names, which must be capitalised in the text (``Turkey``,
not ``turkey``).  A label shared by several individuals links to all of
them ("reconnaissance mutuelle" is both an SMP feature's alternative label
and a recognition mechanism).

>>> from skillkg import language
>>> [m.iri for m in language.link("l'objectif 18 du Pacte mondial", "fr", store=store)]  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from skillkg import iris

if TYPE_CHECKING:
    from spacy.language import Language

    from skillkg.store import Store

#: Languages the module handles.
LANGUAGES = ("en", "fr")

#: The environment variable naming each language's spaCy pipeline, and its default.
MODEL_SETTINGS: dict[str, tuple[str, str]] = {
    "fr": ("SKILLKG_SPACY_FR", "fr_core_news_sm"),
    "en": ("SKILLKG_SPACY_EN", "blank"),
}

#: Kinds of individual (see :data:`skillkg.iris.KINDS`) whose labels the EntityRuler links.
LINKED_KINDS: frozenset[str] = frozenset({
    "country", "region", "grouping", "isco", "organisation", "gcm", "sdg", "feature",
    "prerequisite", "challenge", "stakeholder-kind", "framework", "process", "partnership",
    "agreement", "recognition", "training-location",
})

_FRAMEWORK_SDG = iris.individual("framework", "2030-agenda")
_FRAMEWORK_GCM = iris.individual("framework", "global-compact-for-migration")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'",
                              "\u2032": "'", "`": "'"})
_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss"}


class LanguageError(RuntimeError):
    """A language or spaCy pipeline is unusable; the message names the setting and the fix."""


@dataclass(frozen=True)
class Mention:
    """A span of text that names an individual of the graph.

    ``start``/``end`` are character offsets into the text given to :func:`link`;
    ``label`` is the individual's preferred label (in the text's language when
    there is one); ``how`` is ``label`` (EntityRuler) or ``objective-rule``.
    """

    iri: str
    text: str
    start: int
    end: int
    label: str
    kind: str
    how: str = "label"


@dataclass(frozen=True)
class Candidate:
    """A span that looks like an entity (NER, acronym, proper name) but links to nothing."""

    text: str
    start: int
    end: int
    label: str


@dataclass
class Analysis:
    """What :func:`analyse` found in one text: linked mentions and unlinked candidates."""

    mentions: list[Mention] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)


# -- text normalisation -------------------------------------------------------------------


def prepare(text: str) -> str:
    """Unify apostrophes (``’`` → ``'``) without changing the length, so offsets stay valid."""
    return text.translate(_APOSTROPHES)


def fold(text: str) -> str:
    """Lower-case, strip accents, expand ligatures: ``Main-d’Œuvre`` → ``main-d'oeuvre``."""
    out = []
    for ch in prepare(text).lower():
        if ch in _LIGATURES:
            out.append(_LIGATURES[ch])
            continue
        base = unicodedata.normalize("NFD", ch)
        out.append("".join(c for c in base if not unicodedata.combining(c)))
    return "".join(out)


def fold_same_length(text: str) -> str:
    """:func:`fold` character by character, keeping the length (for offsets)."""
    out = []
    for ch in prepare(text):
        low = ch.lower()
        if len(low) != 1:
            low = ch
        base = unicodedata.normalize("NFD", low)[0]
        out.append(base if len(base) == 1 else low)
    return "".join(out)


def norm(token_text: str) -> str:
    """The ``NORM`` the ruler matches on: folded, with a plural ``s`` dropped (``centres`` → ``centre``)."""
    f = fold(token_text)
    if not f.isalpha():
        return f
    if len(f) > 3 and f.endswith("s") and not f.endswith(("ss", "ees")):
        f = f[:-1]  # "données" stays apart from "donnée" (given)
    if len(f) > 5 and f.endswith("aux"):
        f = f[:-3] + "al"  # bilatéraux → bilatéral
    return f


def _is_acronym(label: str) -> bool:
    """``IOM``, ``UNESCO``, ``TVET`` (2-8 capitals or digits, at least two letters)."""
    return bool(re.fullmatch(r"[A-ZÀ-Ý][A-ZÀ-Ý0-9&]{1,7}", label)) and sum(c.isalpha() for c in label) >= 2


# -- pipelines ----------------------------------------------------------------------------


def model_name(lang: str) -> str:
    """The spaCy pipeline configured for ``lang`` (``blank`` means ``spacy.blank(lang)``)."""
    _check_language(lang)
    env, default = MODEL_SETTINGS[lang]
    return (os.environ.get(env) or default).strip()


def _check_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise LanguageError(f"language {lang!r} is not supported; use one of: {', '.join(LANGUAGES)}")


@cache
def _load(lang: str, name: str) -> Language:
    import spacy

    if name in ("", "blank"):
        return spacy.blank(lang)
    try:
        nlp = spacy.load(name)
    except OSError as exc:
        env = MODEL_SETTINGS[lang][0]
        raise LanguageError(
            f"spaCy pipeline {name!r} (from {env}) is not installed: install it "
            f"(python -m pip install {name}) or set {env}=blank"
        ) from exc
    if nlp.lang != lang:
        raise LanguageError(
            f"{MODEL_SETTINGS[lang][0]}={name} is a {nlp.lang!r} pipeline, not {lang!r}"
        )
    return nlp


def pipeline(lang: str) -> Language:
    """The full spaCy pipeline for ``lang``, loaded once per process."""
    return _load(lang, model_name(lang))


def _register_fold_component() -> None:
    from spacy.language import Language

    if "skillkg_fold" in Language.factories:
        return

    @Language.component("skillkg_fold")
    def skillkg_fold(doc):  # noqa: ANN001, ANN202 - spaCy component signature
        """Set each token's NORM to :func:`norm` of its text (what the ruler matches)."""
        for token in doc:
            token.norm_ = norm(token.text)
        return doc


# -- labels of the store ------------------------------------------------------------------


@dataclass(frozen=True)
class LabelEntry:
    """One label of one individual, as read from the store."""

    iri: str
    text: str
    lang: str  # "en", "fr" or "" (no language tag)
    preferred: bool


_LABELS_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?e ?p ?label WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel skos:hiddenLabel rdfs:label }
  ?e ?p ?label .
  FILTER (isIRI(?e) && STRSTARTS(STR(?e), "__PREFIX__") && isLiteral(?label))
  FILTER (lang(?label) = "" || langMatches(lang(?label), "en") || langMatches(lang(?label), "fr"))
}
""".replace("__PREFIX__", iris.ID)


_CLASS_LABELS_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?e ?p ?label WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel rdfs:label }
  ?e a owl:Class ; ?p ?label .
  FILTER (isIRI(?e) && STRSTARTS(STR(?e), "__PREFIX__") && isLiteral(?label))
  FILTER (lang(?label) = "" || langMatches(lang(?label), "en") || langMatches(lang(?label), "fr"))
}
""".replace("__PREFIX__", iris.SKG)


def store_labels(store: Store, kinds: Iterable[str] = LINKED_KINDS) -> list[LabelEntry]:
    """The labels of the store's individuals of ``kinds``, in English, French or untagged.

    The labels of the ontology's classes come too ("partenariat pour la
    mobilité des compétences", "PMC"): the linker matches them so that the
    words inside a class name are not read as concepts of their own ("mobilité"
    in the name of skills mobility partnerships), but never links to them.
    """
    wanted = set(kinds)
    out: set[LabelEntry] = set()
    rows = store.select(_LABELS_QUERY).rows + store.select(_CLASS_LABELS_QUERY).rows
    for e, p, label in rows:
        if e is None or label is None:
            continue
        parts = iris.split_individual(e.value)
        if e.value.startswith(iris.SKG):
            parts = ("class", e.value)
        if parts is None or parts[0] not in wanted | {"class"}:
            continue
        text = " ".join(label.value.split())
        if len(text) < 2 or text.isdigit():
            continue
        lang = (getattr(label, "language", None) or "").split("-")[0].lower()
        out.add(LabelEntry(e.value, text, lang, p.value == iris.SKOS + "prefLabel"))
    return sorted(out, key=lambda x: (x.iri, x.lang, x.text))


# -- the linker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    iri: str
    proper: bool  # the label is a one-word proper name: require a capital in the text
    common: bool = False  # the label is lower case: not inside a name ("European Training Foundation")


class EntityLinker:
    """An EntityRuler over a set of labels for one language, plus the objective rules."""

    def __init__(self, lang: str, labels: Iterable[LabelEntry]) -> None:
        import spacy

        _check_language(lang)
        _register_fold_component()
        self.lang = lang
        labels = list(labels)
        # tokenise patterns and texts with the same (blank) tokenizer, sharing the vocab
        self.nlp = spacy.blank(lang)
        self.nlp.add_pipe("skillkg_fold")
        self.ruler = self.nlp.add_pipe(
            "entity_ruler", config={"phrase_matcher_attr": "NORM", "overwrite_ents": True}
        )
        self.targets: dict[str, set[_Target]] = {}
        self.pref: dict[tuple[str, str], str] = {}
        self.known: set[str] = set()
        patterns: list[dict[str, object]] = []
        for entry in labels:
            if not entry.iri.startswith(iris.SKG):
                self.known.add(entry.iri)
            kind = (iris.split_individual(entry.iri) or ("", ""))[0]
            if kind in ("gcm", "sdg") and (re.search(r"\d", entry.text) or " " not in entry.text.strip()):
                if entry.preferred and entry.lang:
                    self.pref.setdefault((entry.iri, entry.lang), entry.text)
                continue  # numbers are the objective rules' job; one word ("Data") is too ambiguous
            if entry.preferred and entry.lang:
                self.pref.setdefault((entry.iri, entry.lang), entry.text)
            text = prepare(entry.text)
            tokens = [t.text for t in self.nlp.tokenizer(text)]
            single_lower = len(tokens) == 1 and not text[:1].isupper()
            is_class = entry.iri.startswith(iris.SKG)
            if is_class and len(tokens) == 1 and not _is_acronym(text):
                continue  # one-word class names ("pays") block nothing worth blocking
            if entry.lang not in ("", lang) and single_lower:
                continue  # a lone common word of the other language ("formation" in English)
            if _is_acronym(text):
                key = "ORTH:" + text
                patterns.append({"label": "SKG", "id": key, "pattern": [{"ORTH": text}]})
                proper = False
            else:
                key = "NORM:" + " ".join(norm(t) for t in tokens)
                patterns.append({"label": "SKG", "id": key, "pattern": text})
                proper = len(tokens) == 1 and text[:1].isupper()
            self.targets.setdefault(key, set()).add(_Target(entry.iri, proper, text[:1].islower()))
        # one pattern per distinct key is enough
        unique: dict[str, dict[str, object]] = {}
        for p in patterns:
            unique.setdefault(str(p["id"]), p)
        if unique:
            self.ruler.add_patterns(list(unique.values()))

    def label_of(self, iri: str) -> str:
        """The preferred label of ``iri`` in this language, else in English or French, else ``""``."""
        for lang in (self.lang, "en", "fr"):
            if (iri, lang) in self.pref:
                return self.pref[(iri, lang)]
        return ""

    def link(self, text: str) -> list[Mention]:
        """The mentions of ``text``: EntityRuler matches, then objectives in running text."""
        return self.match(text)[0]

    def match(self, text: str) -> tuple[list[Mention], list[tuple[int, int]]]:
        """``(mentions, class_spans)``: the mentions, and the spans naming ontology classes."""
        prepared = prepare(text)
        doc = self.nlp(prepared)
        mentions: list[Mention] = []
        class_spans: list[tuple[int, int]] = []
        names = [(m.start(), m.end()) for m in _PROPER_SEQ.finditer(prepared) if not m.group().isupper()]
        for ent in doc.ents:
            key = ent.ent_id_
            in_name = ent.text[:1].isupper() and any(
                s <= ent.start_char and ent.end_char <= e and (s, e) != (ent.start_char, ent.end_char)
                for s, e in names)
            for target in sorted(self.targets.get(key, ()), key=lambda t: t.iri):
                if target.iri.startswith(iris.SKG):
                    class_spans.append((ent.start_char, ent.end_char))
                    continue  # a class name: it blocks, it does not link
                if target.proper and not ent.text[:1].isupper():
                    continue
                if target.common and in_name:
                    continue  # a common word inside a proper name
                kind = (iris.split_individual(target.iri) or ("other", ""))[0]
                mentions.append(Mention(target.iri, text[ent.start_char:ent.end_char],
                                        ent.start_char, ent.end_char,
                                        self.label_of(target.iri), kind))
        mentions.extend(self._objectives(text, mentions))
        mentions.sort(key=lambda m: (m.start, m.end, m.iri))
        return mentions, class_spans

    # -- objectives in running text --------------------------------------------------------

    def _objectives(self, text: str, found: list[Mention]) -> list[Mention]:
        folded = fold_same_length(text)
        out: list[Mention] = []
        for match in _OBJECTIVES.finditer(folded):
            head = match.group("head")
            family = _head_family(head, self.lang)
            if family is None:
                family = _family_from_context(folded[: match.start()], found, match.start())
            numbers = list(_NUMBER.finditer(match.group("list")))
            if family is None and numbers and all(
                int(n.group("goal")) > 17 for n in numbers
            ):
                family = "gcm"  # only the Global Compact has objectives 18-23
            if family is None:
                continue
            base = match.start("list")
            for i, n in enumerate(numbers):
                iri = self._objective_iri(family, n.group("goal"), n.group("target"))
                if iri is None:
                    continue
                start = match.start() if i == 0 else base + n.start()
                end = base + n.end()
                kind = "gcm" if family == "gcm" else "sdg"
                label = self.label_of(iri) or _default_objective_label(iri, self.lang)
                out.append(Mention(iri, text[start:end], start, end, label, kind, "objective-rule"))
        return out

    def _objective_iri(self, family: str, goal: str, target: str | None) -> str | None:
        n = int(goal)
        if family == "gcm":
            return iris.gcm_objective(n) if 1 <= n <= 23 and not target else None
        if not 1 <= n <= 17:
            return None
        if target:
            iri = iris.sdg(f"{n}.{target}")
            return iri if iri in self.known else iris.sdg(n)
        return iris.sdg(n)


_NUM = r"(?P<goal>\d{1,2})(?:\.(?P<target>\d{1,2}|[a-c]))?(?![\d.]\d)"
_ITEM = r"\d{1,2}(?:\.(?:\d{1,2}|[a-c]))?(?![\d.]?\d)(?:\s*\([^()]{0,200}\))?"
_SEP = r"\s*(?:,\s*(?:et|and|ou|or)?|;|\bet\b|\band\b|\bou\b|\bor\b|&)\s*"
_HEAD = (
    r"(?P<head>"
    r"objectifs?\s+de\s+developpement\s+durable(?:\s*\(odd\))?"
    r"|objectifs?\s+du\s+pacte\s+mondial(?:\s+(?:sur|pour)\s+(?:les|des)\s+migrations)?"
    r"|sustainable\s+development\s+goals?|global\s+goals?"
    r"|objectives?\s+of\s+the\s+global\s+compact(?:\s+for\s+migration)?"
    r"|gcm\s+objectives?|objectives?\s+of\s+the\s+gcm"
    r"|odd|sdgs?|goals?|objectifs?|objectives?|cibles?|targets?"
    r")"
)
_OBJECTIVES = re.compile(
    r"(?<![\w-])" + _HEAD + r"(?:\s+(?:n[°o]|no\.|nos\.|numbers?|numeros?))?\s*(?P<list>"
    + _ITEM + r"(?:" + _SEP + _ITEM + r")*)",
)
_NUMBER = re.compile(_NUM)


def _head_family(head: str, lang: str) -> str | None:
    """``sdg``, ``gcm`` or ``None`` (a bare "objectif": decided by the context)."""
    h = " ".join(head.split())
    if h.startswith(("odd", "sdg", "sustainable", "global goal", "goal", "cible", "target")) or \
            "developpement durable" in h:
        return "sdg"
    if "pacte" in h or "compact" in h or "gcm" in h:
        return "gcm"
    if h.startswith("objective") and lang == "en":
        return "gcm"  # in English, SDGs are "Goals" and the Compact has "objectives"
    return None


_SDG_WORDS = re.compile(r"developpement durable|sustainable development|\bodd\b|\bsdgs?\b|"
                        r"programme 2030|2030 agenda|agenda 2030")
_GCM_WORDS = re.compile(r"pacte mondial|global compact|\bgcm\b|compact for migration")


def _family_from_context(before: str, found: list[Mention], at: int) -> str | None:
    """The framework named last before position ``at``: by linked framework or by keyword."""
    best: tuple[int, str] | None = None
    for m in found:
        if m.end <= at and m.iri in (_FRAMEWORK_SDG, _FRAMEWORK_GCM):
            fam = "sdg" if m.iri == _FRAMEWORK_SDG else "gcm"
            if best is None or m.end > best[0]:
                best = (m.end, fam)
    for regex, fam in ((_SDG_WORDS, "sdg"), (_GCM_WORDS, "gcm")):
        for hit in regex.finditer(before):
            if best is None or hit.end() > best[0]:
                best = (hit.end(), fam)
    return best[1] if best else None


def _default_objective_label(iri: str, lang: str) -> str:
    kind, key = iris.split_individual(iri) or ("", "")
    if kind == "gcm":
        n = key.split("-")[-1]
        return f"objectif {n} du Pacte mondial" if lang == "fr" else f"GCM objective {n}"
    return f"ODD {key}" if lang == "fr" else f"SDG {key}"


# -- cache per store ----------------------------------------------------------------------

_LOCK = threading.Lock()
_LINKERS: weakref.WeakKeyDictionary[Store, dict[str, EntityLinker]] = weakref.WeakKeyDictionary()


def linker(store: Store, lang: str) -> EntityLinker:
    """The :class:`EntityLinker` over ``store``'s labels for ``lang``, built once per store."""
    _check_language(lang)
    with _LOCK:
        per_store = _LINKERS.get(store)
        if per_store is None:
            per_store = _LINKERS[store] = {}
        found = per_store.get(lang)
        if found is None:
            found = per_store[lang] = EntityLinker(lang, store_labels(store))
        return found


def invalidate(store: Store | None = None) -> None:
    """Forget the cached linkers of ``store`` (or of every store) after its labels changed."""
    with _LOCK:
        if store is None:
            _LINKERS.clear()
        else:
            _LINKERS.pop(store, None)


def link(text: str, lang: str, *, store: Store) -> list[Mention]:
    """The individuals of ``store`` that ``text`` (in ``lang``) names, with character offsets."""
    if not text or not text.strip():
        return []
    return linker(store, lang).link(text)


# -- candidates left unlinked -------------------------------------------------------------

_ACRONYM = re.compile(r"(?<![\w'])[A-ZÀ-Ý]{2,8}s?(?![\w'])")
_PROPER_SEQ = re.compile(
    r"(?<![\w'])(?:[A-ZÀ-Ý][\w'-]+)(?:\s+(?:(?:of|the|and|for|on|de|des|du|la|le|et|pour|sur)\s+)?"
    r"[A-ZÀ-Ý][\w'-]+)+"
)
_NOT_CANDIDATES = {"S/25/5", "A", "À", "Le", "La", "Les", "The"}


def analyse(text: str, lang: str, *, store: Store) -> Analysis:
    """Mentions of ``text`` plus the entity-like spans no label linked (for ingest summaries).

    Candidates come from the statistical NER when the pipeline has one
    (``fr_core_news_sm``), and from rules otherwise: acronyms and sequences
    of capitalised words.  Objectives written without a framework that the
    context could not decide ("objectif 5" alone) are candidates too.
    """
    if not text or not text.strip():
        return Analysis()
    mentions, class_spans = linker(store, lang).match(text)
    covered = [(m.start, m.end) for m in mentions] + class_spans

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in covered)

    spans: dict[tuple[int, int], Candidate] = {}
    nlp = pipeline(lang)
    if "ner" in nlp.pipe_names:
        doc = nlp(prepare(text))
        for ent in doc.ents:
            surface = text[ent.start_char:ent.end_char].strip()
            if len(surface) > 1 and any(c.isupper() for c in surface) and surface not in _NOT_CANDIDATES:
                spans[(ent.start_char, ent.end_char)] = Candidate(surface, ent.start_char,
                                                                  ent.end_char, ent.label_)
    else:
        for m in _PROPER_SEQ.finditer(text):
            spans[(m.start(), m.end())] = Candidate(m.group(), m.start(), m.end(), "PROPER")
    for m in _ACRONYM.finditer(text):
        if not any(s <= m.start() and m.end() <= e for s, e in spans):
            spans[(m.start(), m.end())] = Candidate(m.group(), m.start(), m.end(), "ACRONYM")
    linked_objectives = {(m.start, m.end) for m in mentions if m.how == "objective-rule"}
    for m in _OBJECTIVES.finditer(fold_same_length(text)):
        if not any(m.start() <= s < m.end() for s, _ in linked_objectives):
            spans[(m.start(), m.end())] = Candidate(text[m.start():m.end()], m.start(), m.end(),
                                                    "OBJECTIVE")
    candidates = sorted((c for (s, e), c in spans.items() if free(s, e)), key=lambda c: c.start)
    return Analysis(mentions=mentions, candidates=candidates)
