"""Linked data: what the graph says about one IRI, and the ontology as documentation.

:func:`describe` gathers the triples to publish for an individual (its own
statements, the statements pointing at it, and the source annotations of its
facts); :func:`entity_view` arranges the same knowledge for a person: labels,
types, relations with their sources, inbound links and the passages that
mention it.  :func:`ontology_view` reads the ontology graph into classes and
properties with their labels (English and French), definitions, domains,
ranges and citations, the material of the ``/ontology`` page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from skillkg import iris
from skillkg.results import compact
from skillkg.store import GraphResult, Store, Term

_P = iris.sparql_prologue(["skg", "skos", "rdf", "rdfs", "owl", "dcterms"])
LABEL_PROPERTIES = (iris.SKOS + "prefLabel", iris.RDFS + "label", iris.DCTERMS + "title")
TEXT_PROPERTIES = (iris.SKOS + "definition", iris.DCTERMS + "description", iris.RDFS + "comment",
                   iris.SKOS + "scopeNote", iris.SKG + "text")
INFERRED = iris.graph("inferred")
MAX_INBOUND = 200
MAX_PASSAGES = 50


def local_path(iri: str) -> str | None:
    """The path on this server that shows ``iri``, or ``None`` for an IRI served elsewhere."""
    if iri.startswith(iris.ID) and iris.split_individual(iri):
        return "/id/" + iri[len(iris.ID):]
    if iri.startswith(iris.SKG):
        return "/ontology#" + iri[len(iris.SKG):]
    if iri == iris.ONTOLOGY:
        return "/ontology"
    return None


def exists(store: Store, iri: str) -> bool:
    """Whether the graph says anything about ``iri`` or points at it."""
    return store.ask("ASK { { ?x ?p ?o } UNION { ?s ?p ?x } }", {"x": ox.NamedNode(iri)})


def describe(store: Store, iri: str) -> GraphResult:
    """The triples published for ``iri``: about it, pointing at it, and its facts' sources."""
    result = store.construct(
        _P + """CONSTRUCT { ?x ?p ?o . ?s ?q ?x . ?ax ?ap ?ao . ?o ?bp ?bo } WHERE {
          { ?x ?p ?o OPTIONAL { FILTER (isBlank(?o)) ?o ?bp ?bo } }
          UNION { ?s ?q ?x FILTER (!isBlank(?s)) }
          UNION { ?ax owl:annotatedSource ?x ; ?ap ?ao }
        }""",
        {"x": ox.NamedNode(iri)},
    )
    unique = list(dict.fromkeys(result.triples))
    return GraphResult(unique)


# -- the entity page ---------------------------------------------------------------------------


@dataclass
class Value:
    """One value shown on a page: an IRI with its label and link, or a literal."""

    text: str
    iri: str | None = None
    href: str | None = None
    language: str = ""
    inferred: bool = False
    sources: list[Value] = field(default_factory=list)


@dataclass
class Relation:
    """A property and its values."""

    iri: str
    label: str
    href: str | None
    values: list[Value]


@dataclass
class Passage:
    """A passage of a policy document that mentions the entity."""

    iri: str
    href: str | None
    citation: str
    text: str


@dataclass
class EntityView:
    """Everything the HTML page of one IRI shows."""

    iri: str
    label: str
    labels: list[Value]
    types: list[Value]
    texts: list[Value]
    relations: list[Relation]
    sources: list[Value]
    inbound: list[tuple[Value, Value]]  # (subject, property)
    passages: list[Passage]
    inbound_truncated: bool = False


class Labeller:
    """Finds labels for IRIs in one query, preferring English, then French, then anything."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache: dict[str, str] = {}

    def load(self, iri_values: set[str]) -> None:
        todo = sorted(i for i in iri_values if i not in self.cache)
        if not todo:
            return
        rows = self.store.select(
            _P + "SELECT ?i ?l WHERE { ?i skos:prefLabel|rdfs:label|dcterms:title ?l }",
            {"i": [ox.NamedNode(i) for i in todo]},
        )
        best: dict[str, tuple[int, str]] = {}
        for i, label in rows.rows:
            rank = {"en": 0, "fr": 1}.get(label.language or "", 2)
            if i.value not in best or rank < best[i.value][0]:
                best[i.value] = (rank, label.value)
        for i in todo:
            self.cache[i] = best[i][1] if i in best else compact(ox.NamedNode(i))

    def value(self, t: Term, inferred: bool = False) -> Value:
        if isinstance(t, ox.NamedNode):
            self.load({t.value})
            return Value(self.cache[t.value], iri=t.value, href=local_path(t.value),
                         inferred=inferred)
        if isinstance(t, ox.BlankNode):
            return Value("(anonymous node)", inferred=inferred)
        return Value(t.value, language=t.language or "", inferred=inferred)


def _iris_of(rows: list[tuple[Term | None, ...]]) -> set[str]:
    return {t.value for row in rows for t in row if isinstance(t, ox.NamedNode)}


def entity_view(store: Store, iri: str) -> EntityView:
    """Gather the page of ``iri`` (which must exist; see :func:`exists`)."""
    x = ox.NamedNode(iri)
    out = store.select("SELECT ?p ?o ?g WHERE { GRAPH ?g { ?x ?p ?o } }", {"x": x}).rows
    fact_sources = store.select(
        _P + """SELECT ?p ?o ?src WHERE { ?ax owl:annotatedSource ?x ; owl:annotatedProperty ?p ;
                owl:annotatedTarget ?o ; dcterms:source ?src }""", {"x": x}).rows
    inbound = store.select(
        f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p ?x FILTER (!isBlank(?s)) }} "
        f"ORDER BY ?p ?s LIMIT {MAX_INBOUND + 1}", {"x": x}).rows
    passages = store.select(
        _P + f"""SELECT DISTINCT ?passage ?text ?n ?doc WHERE {{
            ?passage skg:mentions ?x . OPTIONAL {{ ?passage skg:text ?text }}
            OPTIONAL {{ ?passage skg:paragraphNumber ?n }} OPTIONAL {{ ?passage skg:inDocument ?doc }}
        }} ORDER BY ?doc ?n ?passage LIMIT {MAX_PASSAGES}""", {"x": x}).rows
    labeller = Labeller(store)
    labeller.load({iri} | _iris_of(out) | _iris_of(fact_sources) | _iris_of(inbound)
                  | _iris_of(passages))

    sources_of: dict[tuple[str, str], list[Value]] = defaultdict(list)
    for p, o, src in fact_sources:
        sources_of[(p.value, str(o))].append(labeller.value(src))

    asserted: set[tuple[str, str]] = set()
    seen: dict[tuple[str, str], bool] = {}
    for p, o, g in out:
        key = (p.value, str(o))
        if g.value != INFERRED:
            asserted.add(key)
        seen.setdefault(key, True)
    labels, types, texts, sources = [], [], [], []
    grouped: dict[str, list[Value]] = defaultdict(list)
    done: set[tuple[str, str]] = set()
    for p, o, _g in out:
        key = (p.value, str(o))
        if key in done:
            continue
        done.add(key)
        value = labeller.value(o, inferred=key not in asserted)
        value.sources = sources_of.get(key, [])
        if p.value in LABEL_PROPERTIES:
            labels.append(value)
        elif p.value == iris.RDF + "type":
            types.append(value)
        elif p.value in TEXT_PROPERTIES:
            texts.append(value)
        elif p.value == iris.DCTERMS + "source":
            sources.append(value)
        else:
            grouped[p.value].append(value)
    relations = [
        Relation(p, labeller.value(ox.NamedNode(p)).text, local_path(p),
                 sorted(vs, key=lambda v: (v.text.lower(), v.iri or "")))
        for p, vs in sorted(grouped.items(), key=lambda kv: labeller.value(ox.NamedNode(kv[0])).text)
    ]
    inbound_values = [(labeller.value(s), labeller.value(p)) for s, p in inbound[:MAX_INBOUND]]
    passage_values = []
    for passage, text, n, doc in passages:
        where = labeller.value(doc).text if doc is not None else ""
        citation = f"{where} §{n.value}" if n is not None else where or compact(passage)
        passage_values.append(Passage(passage.value, local_path(passage.value), citation.strip(),
                                      text.value if text is not None else ""))
    labels.sort(key=lambda v: (v.language != "en", v.language, v.text))
    return EntityView(
        iri=iri, label=labeller.value(x).text, labels=labels, types=types, texts=texts,
        relations=relations, sources=sources, inbound=inbound_values, passages=passage_values,
        inbound_truncated=len(inbound) > MAX_INBOUND,
    )


# -- the ontology page -------------------------------------------------------------------------


@dataclass
class OntologyTerm:
    """One class or property of the ontology, as documented."""

    iri: str
    name: str  # the local name, used as the page anchor
    kinds: list[str]
    labels: dict[str, str]
    definitions: dict[str, str]
    citations: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    parents: list[Value] = field(default_factory=list)
    domains: list[Value] = field(default_factory=list)
    ranges: list[Value] = field(default_factory=list)
    inverse: list[Value] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)
    alt_labels: list[str] = field(default_factory=list)


@dataclass
class OntologyView:
    """The ontology's header and its terms, for the documentation page."""

    iri: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    version: str
    classes: list[OntologyTerm]
    object_properties: list[OntologyTerm]
    datatype_properties: list[OntologyTerm]
    annotation_properties: list[OntologyTerm]


def ontology_graph(store: Store) -> GraphResult:
    """The triples of the ontology's named graph (``graph/ontology``)."""
    result = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                             {"g": ox.NamedNode(iris.graph("ontology"))})
    return GraphResult(list(dict.fromkeys(result.triples)))


def _by_language(values: list[ox.Literal]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in sorted(values, key=lambda v: v.language or ""):
        out.setdefault(v.language or "", v.value)
    return out


def _class_expression(triples: dict[Term, list[tuple[str, Term]]], node: Term,
                      labeller: Labeller, depth: int = 0) -> str:
    """A readable Manchester-like rendering of an anonymous class expression."""
    if isinstance(node, ox.NamedNode):
        return labeller.value(node).text
    if depth > 6:
        return "…"
    props = defaultdict(list)
    for p, o in triples.get(node, []):
        props[p].append(o)

    def items(head: Term) -> list[Term]:
        out = []
        while isinstance(head, ox.BlankNode) and props_of(head).get(iris.RDF + "first"):
            out.append(props_of(head)[iris.RDF + "first"][0])
            head = props_of(head).get(iris.RDF + "rest", [ox.NamedNode(iris.RDF + "nil")])[0]
        return out

    def props_of(n: Term) -> dict[str, list[Term]]:
        d = defaultdict(list)
        for p, o in triples.get(n, []):
            d[p].append(o)
        return d

    o = iris.OWL
    if o + "intersectionOf" in props:
        return " and ".join(_class_expression(triples, m, labeller, depth + 1)
                            for m in items(props[o + "intersectionOf"][0]))
    if o + "unionOf" in props:
        return " or ".join(_class_expression(triples, m, labeller, depth + 1)
                           for m in items(props[o + "unionOf"][0]))
    if o + "onProperty" in props:
        prop = labeller.value(props[o + "onProperty"][0]).text
        for key, word in (("hasValue", "value"), ("someValuesFrom", "some"),
                          ("allValuesFrom", "only")):
            if o + key in props:
                target = props[o + key][0]
                shown = (labeller.value(target).text if not isinstance(target, ox.BlankNode)
                         else "(" + _class_expression(triples, target, labeller, depth + 1) + ")")
                return f"{prop} {word} {shown}"
        for key, word in (("minCardinality", "min"), ("maxCardinality", "max"),
                          ("cardinality", "exactly"), ("qualifiedCardinality", "exactly"),
                          ("minQualifiedCardinality", "min"), ("maxQualifiedCardinality", "max")):
            if o + key in props:
                return f"{prop} {word} {props[o + key][0].value}"
    return "(class expression)"


def ontology_view(store: Store) -> OntologyView:
    """Read the ontology graph into documentation: its header, classes and properties."""
    triples = ontology_graph(store).triples
    about: dict[Term, list[tuple[str, Term]]] = defaultdict(list)
    for t in triples:
        about[t.subject].append((t.predicate.value, t.object))
    labeller = Labeller(store)
    labeller.load({t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
                  | {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)})

    def term_of(subject: ox.NamedNode, kinds: list[str]) -> OntologyTerm:
        props: dict[str, list[Term]] = defaultdict(list)
        for p, o in about[subject]:
            props[p].append(o)
        lits = [v for v in props.get(iris.RDFS + "label", []) + props.get(iris.SKOS + "prefLabel", [])
                if isinstance(v, ox.Literal)]
        defs = [v for v in props.get(iris.SKOS + "definition", []) if isinstance(v, ox.Literal)]
        parents_key = (iris.RDFS + "subClassOf" if "class" in kinds
                       else iris.RDFS + "subPropertyOf")

        def values(key: str) -> list[Value]:
            out = []
            for v in props.get(key, []):
                if isinstance(v, ox.BlankNode):
                    out.append(Value(_class_expression(about, v, labeller)))
                else:
                    out.append(labeller.value(v))
            return sorted(out, key=lambda v: v.text)

        return OntologyTerm(
            iri=subject.value, name=subject.value[len(iris.SKG):], kinds=kinds,
            labels=_by_language(lits), definitions=_by_language(defs),
            citations=sorted(v.value for v in props.get(iris.SKG + "citation", [])),
            comments=sorted(v.value for v in props.get(iris.RDFS + "comment", [])
                            if isinstance(v, ox.Literal)),
            parents=values(parents_key), domains=values(iris.RDFS + "domain"),
            ranges=values(iris.RDFS + "range"), inverse=values(iris.OWL + "inverseOf"),
            equivalent=[_class_expression(about, v, labeller)
                        for v in props.get(iris.OWL + "equivalentClass", [])],
            alt_labels=sorted(f"{v.value} ({v.language})" if v.language else v.value
                              for v in props.get(iris.SKOS + "altLabel", [])),
        )

    groups: dict[str, list[OntologyTerm]] = defaultdict(list)
    characteristics = {iris.OWL + n: n[:-len("Property")].lower() for n in (
        "TransitiveProperty", "FunctionalProperty", "SymmetricProperty",
        "InverseFunctionalProperty", "AsymmetricProperty", "ReflexiveProperty",
        "IrreflexiveProperty")}
    for subject in sorted({t.subject for t in triples if isinstance(t.subject, ox.NamedNode)
                           and t.subject.value.startswith(iris.SKG)}, key=lambda s: s.value):
        types = {o.value for p, o in about[subject] if p == iris.RDF + "type"}
        extra = sorted(characteristics[t] for t in types if t in characteristics)
        if iris.OWL + "Class" in types:
            groups["classes"].append(term_of(subject, ["class"]))
        elif iris.OWL + "ObjectProperty" in types:
            groups["object"].append(term_of(subject, ["object property", *extra]))
        elif iris.OWL + "DatatypeProperty" in types:
            groups["datatype"].append(term_of(subject, ["datatype property", *extra]))
        elif iris.OWL + "AnnotationProperty" in types:
            groups["annotation"].append(term_of(subject, ["annotation property"]))
    head: dict[str, list[Term]] = defaultdict(list)
    for p, o in about[ox.NamedNode(iris.ONTOLOGY)]:
        head[p].append(o)
    lit = [v for v in head.get(iris.OWL + "versionInfo", []) if isinstance(v, ox.Literal)]
    return OntologyView(
        iri=iris.ONTOLOGY,
        titles=_by_language([v for v in head.get(iris.DCTERMS + "title", [])
                             if isinstance(v, ox.Literal)]),
        descriptions=_by_language([v for v in head.get(iris.DCTERMS + "description", [])
                                   if isinstance(v, ox.Literal)]),
        version=lit[0].value if lit else "",
        classes=groups["classes"], object_properties=groups["object"],
        datatype_properties=groups["datatype"], annotation_properties=groups["annotation"],
    )
