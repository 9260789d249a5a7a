"""Hybrid search: graph constraints, embeddings and BM25, fused, with explanations.

How a question is answered (:meth:`Searcher.search`):

1. **Understand** it (:mod:`skillkg.query`): linked places with direction,
   occupations on the ISCO hierarchy, features, objectives, stakeholders.
2. **Constrain** through the graph: for questions about arrangements, the
   linked constraints become one parameterised SPARQL query (values are bound,
   never pasted into the text) using region containment (``skg:locatedIn``),
   grouping membership, the ISCO hierarchy (``skos:broader*``) and features.
   Places, direction and occupations are *hard* constraints: they filter.
   Features, objectives and stakeholders are *soft*: arrangements meeting
   every constraint come first, then, to fill the ``k`` results, those that
   miss only soft ones (each says which it missed).  If nothing meets the
   hard constraints, they are relaxed in this order and the response says
   which were dropped: direction (from/to becomes either way), then
   occupations, then places.
3. **Rank** the candidates by reciprocal rank fusion (RRF, k=60) of the
   embedding ranking (FAISS, cosine) and the BM25 ranking, plus, in
   ``hybrid+graph`` mode, a graph ranking: entities the question names and
   passages that mention them.
4. **Explain** each result (``why``): the constraints it met with the values
   that met them, the query words found in which field, its semantic score.

Modes (for evaluation): ``embedding``, ``lexical``, ``hybrid``, ``hybrid+graph``
(the default).
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from skillkg import iris
from skillkg.corpus import SearchDocument
from skillkg.embeddings import Embedder, load_embedder
from skillkg.index import SearchIndex, fold, tokenize
from skillkg.query import Interpretation, Linker, QueryError, interpret
from skillkg.store import Store

RRF_K = 60
CANDIDATES = 100
MODES = ("embedding", "lexical", "hybrid", "hybrid+graph")
MAX_K = 100

#: Result types accepted by ``type=``: the ``kind`` of a search document.
TYPES = ("partnership", "agreement", "arrangement", "occupation", "stakeholder", "objective",
         "sdg", "concept", "passage")

_PREFIXES = iris.sparql_prologue(["skg", "skos", "rdf"])


@dataclass
class Reason:
    """One reason a result matched."""

    kind: str  # "constraint", "names", "mentions", "lexical", "semantic"
    detail: str
    field: str = ""
    values: list[str] = dataclasses.field(default_factory=list)


@dataclass
class Result:
    """One search result."""

    iri: str
    label: str
    kind: str
    types: list[str]
    score: float
    why: list[Reason]
    snippet: str = ""


@dataclass
class SearchResponse:
    """A search's answer: what was understood, the results, and the SPARQL that was run."""

    query: str
    mode: str
    interpretation: dict[str, object]
    results: list[Result]
    sparql: str | None = None
    relaxed: list[str] = dataclasses.field(default_factory=list)
    took_ms: float = 0.0

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class _Constraint:
    name: str  # what relaxation calls it
    pattern: str  # SPARQL group
    bindings: dict[str, list[str]]
    explain: str  # a template for the why: {values}
    variable: str  # the variable whose binding explains the match


def _place_group(var: str, country_var: str, prop: str) -> str:
    """``?a prop ?country`` where the country is the place ``?var``, lies in it, or is a member
    of it.  ``skg:locatedIn`` is read without a property path: the build's closure rules
    write its transitive closure to the inferred graph, and the plain joins are an order of
    magnitude faster than ``skg:locatedIn*``."""
    c = f"?{country_var}"
    return (
        f"{{ ?a {prop} {c} . {c} skg:locatedIn ?{var} }} "
        f"UNION {{ ?a {prop} ?{var} . BIND (?{var} AS {c}) }} "
        f"UNION {{ ?a {prop} {c} . {c} skg:memberOf ?{var} }}"
    )


def constraints_for(interp: Interpretation, relaxed: set[str]) -> list[_Constraint]:
    """The SPARQL constraint groups of ``interp``, without the ``relaxed`` ones."""
    out: list[_Constraint] = []
    undirected = "direction" in relaxed
    origins, destinations = list(interp.origins), list(interp.destinations)
    pairs = [list(p) for p in interp.either_direction]
    loose = list(interp.places)
    if undirected:
        if origins and destinations:
            pairs.append([*origins, "|", *destinations])
        else:
            loose += origins + destinations
        origins, destinations = [], []
    if "places" not in relaxed:
        if origins:
            out.append(_Constraint("origin", _place_group("origin", "oc", "skg:originCountry"),
                                   {"origin": origins}, "origin {values}", "oc"))
        if destinations:
            out.append(_Constraint(
                "destination", _place_group("destination", "dc", "skg:destinationCountry"),
                {"destination": destinations}, "destination {values}", "dc"))
        for i, pair in enumerate(pairs):
            if "|" in pair:
                cut = pair.index("|")
                a, b = pair[:cut], pair[cut + 1:]
            else:
                a, b = pair[:1], pair[1:]
            pa, pb = f"pa{i}", f"pb{i}"
            pattern = (
                "{ " + _place_group(pa, f"x{i}", "skg:originCountry") + " "
                + _place_group(pb, f"y{i}", "skg:destinationCountry") + " } UNION { "
                + _place_group(pb, f"x{i}", "skg:originCountry") + " "
                + _place_group(pa, f"y{i}", "skg:destinationCountry") + " }"
            )
            out.append(_Constraint("between", pattern, {pa: a, pb: b},
                                   "links {values} (either direction)", f"x{i}"))
        if loose:
            out.append(_Constraint(
                "place",
                "{ " + _place_group("place", "pc", "skg:participatingCountry")
                + " } UNION { ?a skg:coversGrouping ?place . BIND (?place AS ?pc) }",
                {"place": loose}, "involves {values}", "pc"))
    if interp.occupations and "occupations" not in relaxed:
        out.append(_Constraint(
            "occupation", "?a skg:coversOccupation ?occ . ?occ skos:broader* ?occupation .",
            {"occupation": interp.occupations}, "covers occupation {values}", "occ"))
    if "features" not in relaxed:
        for i, feature in enumerate(interp.features):
            out.append(_Constraint(
                "feature", f"?a skg:hasFeature ?feature{i} .", {f"feature{i}": [feature]},
                "has feature {values}", f"feature{i}"))
    if "objectives and stakeholders" not in relaxed:
        if interp.objectives:
            out.append(_Constraint("objective", "?a skg:contributesTo ?objective .",
                                   {"objective": interp.objectives},
                                   "contributes to {values}", "objective"))
        if interp.stakeholders:
            out.append(_Constraint("stakeholder", "?a skg:involvesStakeholder ?stakeholder .",
                                   {"stakeholder": interp.stakeholders},
                                   "involves {values}", "stakeholder"))
    return out


#: Constraints that rank rather than filter: arrangements missing them fill the results.
SOFT_RELAXATIONS = ("features", "objectives and stakeholders")
#: Constraints that filter, relaxed in this order only when nothing meets them.
HARD_RELAXATIONS = ("direction", "occupations", "places")
RELAXATION_ORDER = SOFT_RELAXATIONS + HARD_RELAXATIONS


def constraint_query(constraints: list[_Constraint]) -> tuple[str, dict[str, list[str]]]:
    """One SPARQL SELECT for arrangements meeting every constraint, and its bindings."""
    variables = " ".join(sorted({f"?{c.variable}" for c in constraints}))
    body = "\n  ".join(c.pattern for c in constraints)
    bindings: dict[str, list[str]] = {}
    for c in constraints:
        bindings.update(c.bindings)
    sparql = (
        f"{_PREFIXES}SELECT DISTINCT ?a {variables} WHERE {{\n"
        f"  ?a a skg:MobilityArrangement .\n  {body}\n}}"
    )
    return sparql, bindings


def render_sparql(sparql: str, bindings: dict[str, list[str]]) -> str:
    """The query with its bindings written in as ``VALUES``, for a researcher to rerun."""
    from skillkg.store import inject_values, term

    return inject_values(sparql, {k: [term(v) for v in vs] for k, vs in bindings.items()})


class Searcher:
    """Answers questions over one store and its index; load once, search many times."""

    def __init__(self, store: Store, index_dir: Path, embedder: Embedder | None = None,
                 linker: Linker | None = None) -> None:
        self.store = store
        self.index = SearchIndex(index_dir)
        self.embedder = embedder or load_embedder()
        self.index.check_model(self.embedder)
        self.linker = linker
        self._labels = {d.iri: d.label for d in self.index.docs}
        self._labels.update(_place_labels(store))
        # rows by document kind, computed once here rather than by a scan per request
        by_kind: dict[str, list[int]] = defaultdict(list)
        for i, d in enumerate(self.index.docs):
            by_kind[d.kind].append(i)
        self._rows_by_kind: dict[str, list[int]] = dict(by_kind)

    # -- rankings --------------------------------------------------------------------
    def _rankings(self, query: str, mode: str, rows: list[int] | None,
                  depth: int) -> dict[str, list[tuple[int, float]]]:
        out: dict[str, list[tuple[int, float]]] = {}
        if mode in ("embedding", "hybrid", "hybrid+graph"):
            out["semantic"] = self.index.semantic(self.embedder.embed_query(query), depth, rows)
        if mode in ("lexical", "hybrid", "hybrid+graph"):
            out["lexical"] = self.index.lexical(tokenize(query), depth, rows)
        return out

    def _graph_ranking(self, interp: Interpretation) -> list[tuple[int, float]]:
        """Entities the question names, then passages mentioning them, by overlap."""
        # only entities named by their labels: a word such as "trained" or "nurses" reaches
        # a feature or an ISCO group, but the question is not about that concept itself
        named = [link.iri for link in interp.links if link.how == "label"]
        if not named:
            return []
        scores: dict[int, float] = defaultdict(float)
        for iri in named:
            row = self.index.row_of.get(iri)
            if row is not None:
                scores[row] += 2.0
        rows = self.store.select(
            _PREFIXES + "SELECT ?p (COUNT(DISTINCT ?c) AS ?n) WHERE { ?p skg:mentions ?c } "
            "GROUP BY ?p", {"c": named}
        )
        for p, n in rows.rows:
            row = self.index.row_of.get(p.value)
            if row is not None:
                scores[row] += float(n.value)
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))

    # -- the search --------------------------------------------------------------------
    def search(self, text: str, k: int = 10, type: str | None = None,  # noqa: A002
               mode: str = "hybrid+graph", language: str | None = None) -> SearchResponse:
        """Answer ``text`` with up to ``k`` results, optionally of one ``type``."""
        start = time.perf_counter()
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        if not 1 <= k <= MAX_K:
            raise QueryError(f"k must be between 1 and {MAX_K}, not {k}")
        if type is not None and type not in TYPES:
            raise QueryError(f"unknown type {type!r}; use one of {', '.join(TYPES)}")
        interp = interpret(text, self.store, self.linker, language)
        query = interp.query

        use_graph = mode == "hybrid+graph"
        allowed = self._rows_of_type(type)
        if type is None and interp.target == "passage" and use_graph:
            allowed = self._rows_of_type("passage")

        # The graph filters only questions about arrangements ("which partnerships…", or
        # places and occupations with a feature); a place or concept named in any other
        # question ranks results through the graph ranking but does not filter them.
        sparql, relaxed, matches, missed = None, [], {}, {}
        candidate_rows = allowed
        if use_graph and interp.has_constraints() and (
            interp.target == "arrangement" or type in ("partnership", "agreement", "arrangement")
        ):
            sparql, relaxed, matches, missed = self._constrain(interp, k)
            arrangement_rows = {self.index.row_of[i] for i in matches if i in self.index.row_of}
            if arrangement_rows:
                candidate_rows = sorted(arrangement_rows & set(allowed) if allowed is not None
                                        else arrangement_rows)
            elif type is None:
                # nothing meets even the relaxed constraints: search arrangements without them
                candidate_rows = self._rows_of_type("arrangement")

        depth = max(CANDIDATES, k * 5)
        rankings = self._rankings(query, mode, candidate_rows, depth)
        if use_graph:
            graph = self._graph_ranking(interp)
            if candidate_rows is not None:
                keep = set(candidate_rows)
                graph = [(r, s) for r, s in graph if r in keep]
            if sparql is not None:
                # every candidate met the constraints: rank by how many it met
                met = [(self.index.row_of[i], float(len(v))) for i, v in matches.items()
                       if i in self.index.row_of]
                graph = sorted(met, key=lambda kv: (-kv[1], kv[0])) + graph
            rankings["graph"] = graph

        fused = _rrf(rankings)
        if candidate_rows is not None:
            keep = set(candidate_rows)
            fused = [(r, s) for r, s in fused if r in keep]
        if missed:
            # arrangements meeting every constraint first, then those missing soft ones
            tier = {self.index.row_of[a]: len(m) for a, m in missed.items()
                    if a in self.index.row_of}
            fused.sort(key=lambda rs: (tier.get(rs[0], 0), -rs[1], rs[0]))
        results = []
        for row, score in fused[:k]:
            doc = self.index.docs[row]
            why = self._explain(doc, row, interp, rankings, matches.get(doc.iri, {}))
            if missed.get(doc.iri):
                why.insert(0, Reason("unmet", "does not meet: " + ", ".join(
                    _unmet(step, interp, self._labels) for step in missed[doc.iri])))
            results.append(Result(iri=doc.iri, label=doc.label, kind=doc.kind, types=doc.types,
                                  score=round(score, 6), why=why, snippet=_snippet(doc, query)))
        return SearchResponse(
            query=query, mode=mode, interpretation=interp.to_json(), results=results,
            sparql=sparql, relaxed=relaxed,
            took_ms=round((time.perf_counter() - start) * 1000, 2),
        )

    def _rows_of_type(self, type_: str | None) -> list[int] | None:
        if type_ is None:
            return None
        kinds = ("partnership", "agreement") if type_ == "arrangement" else (type_,)
        if len(kinds) == 1:
            return list(self._rows_by_kind.get(type_, ()))
        return sorted(i for kind in kinds for i in self._rows_by_kind.get(kind, ()))

    def _constrain(self, interp: Interpretation, k: int
                   ) -> tuple[str, list[str], dict[str, dict[str, set[str]]], dict[str, list[str]]]:
        """Run the constraint query; return its SPARQL, the hard relaxations it needed, the
        constraints each arrangement met, and the soft constraints each one missed.

        Hard constraints are relaxed (:data:`HARD_RELAXATIONS`) until something meets them;
        then soft ones (:data:`SOFT_RELAXATIONS`) are dropped one by one while fewer than
        ``k`` arrangements qualify, and the newcomers of each step rank after those before.
        The SPARQL returned is the last one run, whose answer holds every result.
        """
        hard: list[str] = []
        for step in (None, *HARD_RELAXATIONS):
            if step is not None:
                hard.append(step)
            found = self._matches(interp, set(hard))
            if found is None or found[1]:
                break
        if found is None:
            return "", _effective(hard, interp), {}, {}
        sparql, matches = found
        missed: dict[str, list[str]] = {a: [] for a in matches}
        soft: list[str] = []
        for step in SOFT_RELAXATIONS:
            if len(matches) >= k or not _effective([step], interp):
                continue
            soft.append(step)
            more = self._matches(interp, {*hard, *soft})
            if more is None:
                break
            sparql = more[0]  # the query that finds every result, strict ones included
            for a, met in more[1].items():
                if a not in matches:
                    matches[a] = met
                    missed[a] = list(soft)
        return sparql, _effective(hard, interp), matches, missed

    def _matches(self, interp: Interpretation, relaxed: set[str]
                 ) -> tuple[str, dict[str, dict[str, set[str]]]] | None:
        """Arrangements meeting the constraints of ``interp`` less ``relaxed``, with the values
        that met each one; ``None`` when no constraint is left."""
        constraints = constraints_for(interp, relaxed)
        if not constraints:
            return None
        sparql, bindings = constraint_query(constraints)
        result = self.store.select(sparql, bindings)
        matches: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        col = {v: i for i, v in enumerate(result.variables)}
        for row in result.rows:
            a = row[col["a"]].value
            for c in constraints:
                value = row[col[c.variable]]
                if value is not None:
                    matches[a][c.explain].add(value.value)
        return render_sparql(sparql, bindings), dict(matches)

    def _explain(self, doc: SearchDocument, row: int, interp: Interpretation,
                 rankings: dict[str, list[tuple[int, float]]],
                 met: dict[str, set[str]]) -> list[Reason]:
        why: list[Reason] = []
        for template, values in sorted(met.items()):
            names = sorted(self._labels.get(v, _short(v)) for v in values)
            why.append(Reason("constraint", template.format(values=", ".join(names)),
                              values=sorted(values)))
        for link in interp.links:
            if link.iri == doc.iri:
                why.append(Reason("names", f"the question names it ('{link.text}')",
                                  values=[link.iri]))
        if doc.kind == "passage" and interp.links:
            mentioned = self._mentions(doc.iri, [link.iri for link in interp.links])
            if mentioned:
                why.append(Reason("mentions", "the passage mentions "
                                  + ", ".join(self._labels.get(m, _short(m)) for m in mentioned),
                                  values=mentioned))
        words: dict[str, str] = {}
        for word in re.findall(r"[\w'-]+", interp.query):
            for token in tokenize(word):
                words.setdefault(token, word)
        lexical = 0
        for name, value in doc.fields().items():
            found = sorted({words[t] for t in set(words) & set(tokenize(value))})
            if found and lexical < 2:
                lexical += 1
                why.append(Reason("lexical", f"'{', '.join(found)}' in {name.replace('_', ' ')}",
                                  field=name, values=found))
        for r, score in rankings.get("semantic", []):
            if r == row:
                why.append(Reason("semantic", f"semantic similarity {score:.2f}"))
                break
        return why

    def _mentions(self, passage: str, concepts: list[str]) -> list[str]:
        rows = self.store.select(
            _PREFIXES + "SELECT ?c WHERE { ?p skg:mentions ?c }", {"p": passage, "c": concepts}
        )
        return sorted(rows.values("c"))


def _effective(relaxed: list[str], interp: Interpretation) -> list[str]:
    """Only the relaxations that dropped something the question had."""
    had = {
        "features": bool(interp.features),
        "objectives and stakeholders": bool(interp.objectives or interp.stakeholders),
        "direction": bool(interp.origins or interp.destinations),
        "occupations": bool(interp.occupations),
        "places": bool(interp.origins or interp.destinations or interp.either_direction
                       or interp.places),
    }
    return [r for r in relaxed if had.get(r)]


def _rrf(rankings: dict[str, list[tuple[int, float]]]) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: score(d) = Σ over rankings of 1 / (RRF_K + rank(d))."""
    scores: dict[int, float] = defaultdict(float)
    for ranking in rankings.values():
        for rank, (row, _score) in enumerate(ranking, start=1):
            scores[row] += 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def _short(iri: str) -> str:
    parts = iris.split_individual(iri)
    return f"{parts[0]}/{parts[1]}" if parts else iri


def _snippet(doc: SearchDocument, query: str, width: int = 220) -> str:
    text = doc.text or doc.description or doc.relations
    if not text:
        return ""
    words = [w for w in tokenize(query) if len(w) > 3]
    folded = fold(text)
    pos = min((folded.find(w) for w in words if folded.find(w) >= 0), default=0)
    start = max(0, pos - width // 3)
    snippet = text[start: start + width].strip()
    return ("…" if start else "") + re.sub(r"\s+", " ", snippet) + (
        "…" if start + width < len(text) else "")


def _unmet(step: str, interp: Interpretation, labels: dict[str, str]) -> str:
    """The constraints a soft relaxation ``step`` dropped, in words."""
    if step == "features":
        values = interp.features
    else:
        values = [*interp.objectives, *interp.stakeholders]
    names = ", ".join(labels.get(v, _short(v)) for v in values)
    return f"{step} ({names})" if names else step


def _place_labels(store: Store) -> dict[str, str]:
    """English labels of the places, occupations and objectives a question can name, read once
    so that explanations say "Philippines" rather than ``country/PHL``."""
    rows = store.select(
        _PREFIXES + """SELECT ?x ?label WHERE {
          VALUES ?class { skg:Country skg:Region skg:Grouping skg:Occupation skg:PolicyObjective
                          skg:SMPFeature }
          ?x a ?class ; skos:prefLabel ?label . FILTER (lang(?label) = "en")
        }"""
    )
    return {x.value: label.value for x, label in rows.rows}
