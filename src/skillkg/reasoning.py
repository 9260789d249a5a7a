"""Reasoning: check that the graph is consistent and write what follows from it.

Two reasoners run, and their conclusions go to their own named graph
(``graph/inferred``), never mixed with asserted triples:

1. **HermiT** (through owlready2) over the OWL 2 DL part of the graph: it checks
   consistency, classifies individuals (a partnership with the five features
   of S/25/5 §7 becomes a ``skg:SkillsMobilityPartnership``), and infers
   property values (``skg:contributesTo`` from the SMP axioms,
   ``skg:involvesStakeholder`` from the participation property chain).
2. **Closure rules** in SPARQL, cheap and predictable, so that researchers'
   queries need no property paths: types up the class hierarchy, super-
   properties, ``skg:locatedIn`` closed transitively and
   ``skos:broaderTransitive`` from ``skos:broader``.

If the graph is inconsistent, :func:`reason` raises :class:`InconsistencyError`
naming the curated files that are inconsistent on their own.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from skillkg import iris
from skillkg.store import Store

INFERRED = iris.graph("inferred")

#: Graphs the DL reasoner leaves out: passages (text, no axioms) and earlier inferences.
_SKIP_GRAPH_PREFIXES = (iris.GRAPH + "documents/", INFERRED, iris.graph("build"))

#: Literal datatypes HermiT handles; literals of other types are left out of reasoning.
_OWL_DATATYPES = {
    iris.XSD + "integer",
    iris.XSD + "string",
    iris.XSD + "boolean",
    iris.XSD + "decimal",
}

_RDF_TYPE = iris.RDF + "type"


class ReasoningError(RuntimeError):
    """The reasoner could not run (e.g. no Java); the message says what to install."""


class InconsistencyError(ReasoningError):
    """The graph is logically inconsistent; ``culprits`` names the files at fault."""

    def __init__(self, message: str, culprits: list[str]) -> None:
        self.culprits = culprits
        super().__init__(message)


@dataclass
class ReasoningReport:
    """What reasoning concluded."""

    consistent: bool = True
    classified_smps: list[str] = field(default_factory=list)
    dl_triples: int = 0
    closure_triples: int = 0
    seconds: float = 0.0

    @property
    def inferred_triples(self) -> int:
        return self.dl_triples + self.closure_triples


def _reasoner_input(store: Store, graphs: Iterable[str] | None = None) -> list[ox.Triple]:
    """The triples HermiT sees: axioms and assertions, without text, labels or annotations."""
    chosen = [
        g for g in (graphs if graphs is not None else store.graphs())
        if not g.startswith(_SKIP_GRAPH_PREFIXES)
    ]
    if not chosen:
        return []
    values = " ".join(f"<{g}>" for g in chosen)
    result = store.construct(
        f"""
        PREFIX owl: <{iris.OWL}>
        CONSTRUCT {{ ?s ?p ?o }} WHERE {{
          VALUES ?g {{ {values} }}
          GRAPH ?g {{ ?s ?p ?o }}
          FILTER NOT EXISTS {{ ?p a owl:AnnotationProperty }}
          FILTER NOT EXISTS {{ ?s a owl:Axiom }}
          FILTER (?p NOT IN (owl:annotatedSource, owl:annotatedProperty, owl:annotatedTarget))
          FILTER (!isLiteral(?o) || (DATATYPE(?o) IN (<{'>, <'.join(sorted(_OWL_DATATYPES))}>)
                  && EXISTS {{ ?p a owl:DatatypeProperty }}))
        }}"""
    )
    return result.triples


def _run_hermit(triples: list[ox.Triple]) -> list[ox.Triple]:
    """Run HermiT over ``triples``; return the triples it adds. Raises on inconsistency."""
    import owlready2

    if shutil.which(owlready2.JAVA_EXE) is None and not Path(owlready2.JAVA_EXE).exists():
        raise ReasoningError(
            "HermiT needs Java, and no `java` is on PATH: install a JRE "
            "(Debian: apt-get install default-jre-headless) or set owlready2.JAVA_EXE"
        )
    with tempfile.TemporaryDirectory(prefix="skillkg-reason-") as tmp:
        nt = Path(tmp) / "input.nt"
        nt.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
        world = owlready2.World(filename=str(Path(tmp) / "world.sqlite3"))
        onto = world.get_ontology("https://w3id.org/skillkg/reasoning/")
        with nt.open("rb") as handle:
            onto.load(fileobj=handle, format="ntriples")
        before = set(world.get_triples())
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as exc:
            world.close()
            raise InconsistencyError("the graph is inconsistent", []) from exc
        except owlready2.OwlReadyJavaError as exc:
            world.close()
            raise ReasoningError(f"HermiT failed: {str(exc)[-2000:]}") from exc
        added = set(world.get_triples()) - before

        def term(x: object) -> ox.NamedNode | None:
            if isinstance(x, int) and x > 0:
                iri = world._unabbreviate(x)
                return ox.NamedNode(iri) if "://" in iri else None
            return None

        out: list[ox.Triple] = []
        for s, p, o in added:
            st, pt, ot = term(s), term(p), term(o)
            if st is None or pt is None or ot is None:
                continue  # literal values and blank nodes: nothing new for us
            if ot.value == iris.OWL + "Thing" or pt.value.startswith(iris.OWL):
                continue
            out.append(ox.Triple(st, pt, ot))
        world.close()
        return out


_CLOSURE_RULES: dict[str, str] = {
    "class hierarchy": """
        CONSTRUCT { ?x a ?super } WHERE {
          ?x a ?c . ?c rdfs:subClassOf+ ?super .
          FILTER (isIRI(?super) && isIRI(?x))
          FILTER NOT EXISTS { ?x a ?super }
        }""",
    "super-properties": """
        CONSTRUCT { ?s ?super ?o } WHERE {
          ?p rdfs:subPropertyOf+ ?super . ?s ?p ?o .
          FILTER (isIRI(?super))
          FILTER NOT EXISTS { ?s ?super ?o }
        }""",
    "located in (transitive)": """
        CONSTRUCT { ?a skg:locatedIn ?c } WHERE {
          ?a skg:locatedIn ?b . ?b skg:locatedIn+ ?c .
          FILTER (?a != ?c)
          FILTER NOT EXISTS { ?a skg:locatedIn ?c }
        }""",
    "broader (transitive)": """
        CONSTRUCT { ?a skos:broaderTransitive ?b } WHERE {
          ?a skos:broader+ ?b .
          FILTER NOT EXISTS { ?a skos:broaderTransitive ?b }
        }""",
}


def _closure(store: Store) -> list[ox.Triple]:
    prologue = iris.sparql_prologue(["skg", "rdfs", "skos"])
    seen: set[ox.Triple] = set()
    for query in _CLOSURE_RULES.values():
        seen.update(store.construct(prologue + query).triples)
    return sorted(seen, key=str)


def infer(store: Store, graphs: Iterable[str] | None = None) -> list[ox.Triple]:
    """Run HermiT over ``graphs`` (default: all) and return what it infers, without storing it.

    Raises :class:`InconsistencyError` (with no culprits) if those graphs are inconsistent.
    Used by ``skillkg validate`` and ``skillkg diff``.
    """
    return _run_hermit(_reasoner_input(store, graphs))


def is_consistent(store: Store, graphs: Iterable[str] | None = None) -> bool:
    """True if HermiT finds ``graphs`` (default: all graphs of ``store``) consistent."""
    try:
        infer(store, graphs)
    except InconsistencyError:
        return False
    return True


def locate_inconsistency(store: Store) -> list[str]:
    """Name the curated graphs that are inconsistent with the ontology and vocabularies alone."""
    base = [g for g in store.graphs()
            if g == iris.graph("ontology") or g.startswith(iris.GRAPH + "vocab/")]
    records = [g for g in store.graphs() if g.startswith(iris.GRAPH + "partnerships/")]
    culprits = []
    for graph in records:
        try:
            _run_hermit(_reasoner_input(store, [*base, graph]))
        except InconsistencyError:
            culprits.append(graph)
    return culprits


def reason(store: Store, on_step: Callable[[str], None] | None = None) -> ReasoningReport:
    """Check consistency, classify, and write inferences to ``graph/inferred``.

    Replaces any earlier content of ``graph/inferred``.  Raises
    :class:`InconsistencyError` if the graph is inconsistent.
    """
    report = ReasoningReport()
    start = time.perf_counter()
    store.drop_graph(INFERRED)
    step = on_step or (lambda _name: None)

    step("HermiT: consistency, classification, property values")
    try:
        dl = _run_hermit(_reasoner_input(store))
    except InconsistencyError:
        step("HermiT: locating the inconsistent file")
        culprits = locate_inconsistency(store)
        where = (
            "; inconsistent on their own: " + ", ".join(culprits)
            if culprits
            else "; no single record is inconsistent alone: look at the ontology axioms "
            "and at records that contradict each other"
        )
        raise InconsistencyError(
            "the graph is inconsistent (HermiT)" + where
            + ". Typical causes: an individual typed with two disjoint classes, a class "
            "used as an individual, a functional property with two values.",
            culprits,
        ) from None
    store.replace_graph(INFERRED, dl)
    report.dl_triples = len(dl)

    step("closure: class and property hierarchies, locatedIn, broader")
    closure = _closure(store)
    store.replace_graph(INFERRED, [*dl, *closure])
    report.closure_triples = len(closure)

    smp = iris.skg("SkillsMobilityPartnership")
    report.classified_smps = sorted(
        t.subject.value for t in dl if t.predicate.value == _RDF_TYPE and t.object.value == smp
    )
    report.seconds = time.perf_counter() - start
    return report
