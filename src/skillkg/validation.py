"""``skillkg validate``: is a contribution to ``ontology/`` safe to merge?

Four checks run, in this order, over the union of the ontology, its
vocabularies and its records (so that a record's references to countries,
occupations and objectives resolve), and every problem is reported with its
severity, file, line, focus node, message and hint:

1. **Turtle syntax** of every file (rule ``turtle-syntax``, with the parser's
   line and column).  If a file to validate does not parse, the other checks
   are skipped: their findings would only echo the missing triples.
2. **SHACL** shapes of ``ontology/shapes.ttl`` (pySHACL, no inference: sh:class
   follows ``rdfs:subClassOf`` as SHACL defines it).  The rule id is the
   shape's local name; ``sh:message`` is the message, ``sh:description`` the hint.
3. **Project rules**: SPARQL ``SELECT`` queries in ``ontology/rules/*.rq``, one per
   file, each with a header comment giving ``id``, ``severity``, ``message`` and
   ``hint`` (see :func:`load_rules`).
4. **OWL consistency** with HermiT (rule ``inconsistent``), naming the files
   that are inconsistent with the ontology and vocabularies.

Problems are reported for the files asked about (default: all of
``ontology/``); the rest of ``ontology/`` is context.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from skillkg import iris
from skillkg.formatting import Layout, scan, turtle_files
from skillkg.sources import SourceError, discover, read_turtle

SEVERITIES = ("error", "warning", "info")
FN = "https://w3id.org/skillkg/fn#"
_SKOLEM = "urn:skillkg:bnode:"

_SH = iris.SH
_SEVERITY_OF = {_SH + "Violation": "error", _SH + "Warning": "warning", _SH + "Info": "info"}
_DECLARATION_KINDS = (iris.OWL + "Class", iris.OWL + "ObjectProperty")


class ValidationSetupError(RuntimeError):
    """Validation cannot run (no ontology folder, a broken rule file); the message says what to fix."""


@dataclass
class Problem:
    """One thing wrong (or worth a look) in a contribution."""

    severity: str  # error | warning | info
    rule: str
    message: str
    hint: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None
    focus: str | None = None
    path: str | None = None
    value: str | None = None
    check: str = ""  # syntax | shacl | rule | reasoner

    def where(self) -> str:
        """``file:line:column`` as far as known."""
        if not self.file:
            return "(ontology)"
        out = self.file
        if self.line:
            out += f":{self.line}"
            if self.column:
                out += f":{self.column}"
        return out


@dataclass
class Report:
    """Everything ``skillkg validate`` found."""

    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings and infos do not fail validation)."""
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for p in self.problems if p.severity == s) for s in SEVERITIES}

    def rules(self) -> set[str]:
        """The ids of the rules that reported something."""
        return {p.rule for p in self.problems}

    def to_json(self) -> str:
        return json.dumps({"files": self.files, "checks": self.checks, "counts": self.counts(),
                           "problems": [asdict(p) for p in self.problems]},
                          ensure_ascii=False, indent=2)


# ---------------------------------------------------------------------------
# IRI scheme (used by the bad-iri and iri-kind-class rules through SPARQL functions)
# ---------------------------------------------------------------------------

_CURATED_KINDS = {"partnership", "agreement", "organisation", "source", "participation", "grouping",
                  "process", "framework", "feature", "prerequisite", "challenge", "stakeholder-kind",
                  "role", "stage", "training-location", "status", "recognition", "scheme", "document"}
_SLUG = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
_KIND_CLASS = re.compile(r"\((skg|prov):(\w+)\)$")


def iri_problem(iri: str) -> str | None:
    """Say what is wrong with a skillkg IRI, or return None if it follows DESIGN.md's scheme."""
    if iri.startswith("http://w3id.org/skillkg/"):
        return "skillkg IRIs start with https://, not http://"
    if iri.startswith(iris.SKG) or iri == iris.ONTOLOGY or iri.startswith(iris.SHAPES):
        return None
    if not iri.startswith(iris.ID):
        if iri.startswith("https://w3id.org/skillkg/") and not iri.startswith(iris.GRAPH):
            return "not under https://w3id.org/skillkg/id/ (individuals) or .../ontology# (terms)"
        return None
    kind, _, key = iri[len(iris.ID):].partition("/")
    if kind not in iris.KINDS:
        return f"unknown kind {kind!r} (known kinds: {', '.join(sorted(iris.KINDS))})"
    if not key:
        return f"no key after the kind {kind!r}"
    try:
        iris.individual(kind, key)
    except iris.IRIError as exc:
        return str(exc)
    try:
        if kind == "country" and (not re.fullmatch(r"[A-Z]{3}", key) or iris.country(key) != iri):
            return "a country key is its ISO 3166-1 alpha-3 code in capitals (country/PHL)"
        if kind == "region" and not re.fullmatch(r"m49-\d{3}", key):
            return "a region key is m49- and the three-digit UN M49 code (region/m49-142)"
        if kind == "isco":
            iris.isco(key)
        if kind == "gcm":
            m = re.fullmatch(r"objective-(\d+)", key)
            if not m:
                return "a GCM key is objective-N (gcm/objective-18)"
            iris.gcm_objective(int(m.group(1)))
        if kind == "sdg":
            m = re.fullmatch(r"(\d{1,2})(\.[0-9a-z]{1,2})?", key)
            if not m or not 1 <= int(m.group(1)) <= 17:
                return "an SDG key is the goal 1-17 or a target N.M (sdg/8, sdg/8.8)"
    except iris.IRIError as exc:
        return str(exc)
    if kind in _CURATED_KINDS:
        bad = [s for s in key.split("/") if not _SLUG.match(s)]
        if bad:
            return (f"key segment {bad[0]!r} is not a lower-case slug (letters, digits and "
                    f"hyphens, e.g. {iris.slugify(bad[0]) if any(c.isalnum() for c in bad[0]) else 'x'})")
    return None


def kind_class(iri: str) -> str | None:
    """The class an individual of this IRI's kind must have (from :data:`skillkg.iris.KINDS`)."""
    split = iris.split_individual(iri)
    if split is None:
        return None
    m = _KIND_CLASS.search(iris.KINDS[split[0]])
    if m is None:
        return None
    return (iris.SKG if m.group(1) == "skg" else iris.PROV) + m.group(2)


def _fn_iri_problem(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.Literal | None:
    if not isinstance(term, ox.NamedNode):
        return None
    problem = iri_problem(term.value)
    return ox.Literal(problem) if problem else None


def _fn_kind_class(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.NamedNode | None:
    if not isinstance(term, ox.NamedNode):
        return None
    cls = kind_class(term.value)
    return ox.NamedNode(cls) if cls else None


CUSTOM_FUNCTIONS = {
    ox.NamedNode(FN + "iriProblem"): _fn_iri_problem,
    ox.NamedNode(FN + "kindClass"): _fn_kind_class,
}


# ---------------------------------------------------------------------------
# Project rules
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A project rule: a SPARQL SELECT whose rows are problems.

    The query may bind ``?focus`` (the node at fault), ``?path`` (a property),
    ``?value`` and ``?file`` (the file at fault, when the query uses ``GRAPH ?file``).
    ``message`` and ``hint`` may use ``{focus}``, ``{path}`` and ``{value}``.
    """

    id: str
    severity: str
    message: str
    hint: str
    query: str
    path: Path


def load_rules(folder: Path) -> list[Rule]:
    """Read every ``*.rq`` file of ``folder``.

    Each starts with comment lines ``# id: ...``, ``# severity: error|warning|info``,
    ``# message: ...`` and ``# hint: ...``.  The prefixes of :data:`skillkg.iris.PREFIXES`
    and ``fn:`` (skillkg's SPARQL functions) are predeclared.
    """
    rules = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header: dict[str, str] = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            m = re.match(r"#\s*(id|severity|message|hint):\s*(.*)$", line)
            if m:
                header[m.group(1)] = m.group(2).strip()
        missing = [k for k in ("id", "severity", "message", "hint") if k not in header]
        if missing:
            raise ValidationSetupError(f"{path}: the rule's header lacks {', '.join(missing)}; start "
                                       "the file with `# id: ...`, `# severity: ...`, `# message: ...`, "
                                       "`# hint: ...` comment lines")
        if header["severity"] not in SEVERITIES:
            raise ValidationSetupError(f"{path}: severity {header['severity']!r} must be one of "
                                       f"{', '.join(SEVERITIES)}")
        if header["id"] != path.stem:
            raise ValidationSetupError(f"{path}: the rule id {header['id']!r} must be the file's name "
                                       f"({path.stem!r})")
        rules.append(Rule(header["id"], header["severity"], header["message"], header["hint"],
                          text, path))
    return rules


def _prologue() -> str:
    return iris.sparql_prologue() + f"PREFIX fn: <{FN}>\n"


# ---------------------------------------------------------------------------
# Loaded files: triples, where each subject and blank node is, and lines
# ---------------------------------------------------------------------------


@dataclass
class _Loaded:
    path: Path
    display: str
    uri: str
    triples: list[ox.Triple]
    text: str
    target: bool
    _layout: Layout | None = None

    @property
    def layout(self) -> Layout:
        """Statements, lines and prefixes of the file (scanned on first use)."""
        if self._layout is None:
            self._layout = scan(self.text)
        return self._layout


class _Workspace:
    """The parsed files, with the maps needed to say where a problem is."""

    def __init__(self, files: list[_Loaded], root: Path) -> None:
        self.files = files
        self.root = root
        self.by_uri = {f.uri: f for f in files}
        self.subject_files: dict[str, list[_Loaded]] = defaultdict(list)
        self.bnode_file: dict[str, _Loaded] = {}
        self.bnode_triples: dict[str, list[ox.Triple]] = defaultdict(list)
        self.referrers: dict[str, list[tuple[ox.Triple, _Loaded]]] = defaultdict(list)
        for f in files:
            seen: set[str] = set()
            for t in f.triples:
                if isinstance(t.subject, ox.BlankNode):
                    self.bnode_file[t.subject.value] = f
                    self.bnode_triples[t.subject.value].append(t)
                elif t.subject.value not in seen:
                    seen.add(t.subject.value)
                    self.subject_files[t.subject.value].append(f)
                if isinstance(t.object, ox.BlankNode):
                    self.referrers[t.object.value].append((t, f))
        self.store = ox.Store()
        for f in files:
            graph = ox.NamedNode(f.uri)
            self.store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in f.triples)

    def compact(self, term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str | None:
        """A short, readable form of a term for messages."""
        if term is None:
            return None
        if isinstance(term, ox.NamedNode):
            if term.value in self.by_uri:
                return self.by_uri[term.value].display
            return compact_iri(term.value)
        if isinstance(term, ox.Literal):
            if term.language:
                return f'"{term.value}"@{term.language}'
            dt = term.datatype.value
            if dt == iris.XSD + "string":
                return f'"{term.value}"'
            return f'"{term.value}"^^{compact_iri(dt)}'
        return self.describe_bnode(term.value)

    def describe_bnode(self, bnode: str) -> str:
        triples = {t.predicate.value: t.object for t in self.bnode_triples.get(bnode, [])}
        if triples.get(iris.RDF + "type") == ox.NamedNode(iris.OWL + "Axiom"):
            parts = [self.compact(triples.get(iris.OWL + p)) or "?"
                     for p in ("annotatedSource", "annotatedProperty", "annotatedTarget")]
            return "owl:Axiom on " + " ".join(parts)
        for t, _f in self.referrers.get(bnode, []):
            return f"[blank node: {self.compact(t.predicate)} of {self.compact(t.subject)}]"
        return "[blank node]"

    def locate(self, focus: ox.NamedNode | ox.BlankNode | ox.Literal | None,
               path: str | None = None, file_uri: str | None = None) -> tuple[_Loaded | None, int | None]:
        """The file and line of a problem about ``focus`` (and ``path``), as well as known."""
        if focus is None:
            f = self.by_uri.get(file_uri or "")
            return f, None
        if isinstance(focus, ox.BlankNode):
            f = self.bnode_file.get(focus.value)
            if f is None:
                return None, None
            return f, self._bnode_line(focus.value, f)
        candidates = list(self.subject_files.get(focus.value, []))
        if file_uri and file_uri in self.by_uri:
            chosen = self.by_uri[file_uri]
        elif candidates:
            chosen = next((c for c in candidates if c.target), candidates[0])
        else:
            return None, None
        line = None
        if path:
            line = chosen.layout.predicate_line(focus.value, path)
        if line is None:
            line = chosen.layout.subject_line(focus.value)
        if line is None and isinstance(focus, ox.NamedNode):
            line = _text_line(chosen, focus.value)
        return chosen, line

    def _bnode_line(self, bnode: str, f: _Loaded) -> int | None:
        triples = {t.predicate.value: t.object for t in self.bnode_triples.get(bnode, [])}
        source = triples.get(iris.OWL + "annotatedSource")
        prop = triples.get(iris.OWL + "annotatedProperty")
        target = triples.get(iris.OWL + "annotatedTarget")
        if isinstance(source, ox.NamedNode) and isinstance(prop, ox.NamedNode):
            fallback = None
            for st in f.layout.statements:
                objs = st.objects
                if source.value in objs.get(iris.OWL + "annotatedSource", []) and \
                        prop.value in objs.get(iris.OWL + "annotatedProperty", []):
                    fallback = fallback or st.start_line
                    wanted = target.value if target is not None else None
                    if wanted is None or wanted in objs.get(iris.OWL + "annotatedTarget", []):
                        return st.start_line
            if fallback:
                return fallback
        for t, g in self.referrers.get(bnode, []):
            if isinstance(t.subject, ox.NamedNode) and g is f:
                return (f.layout.predicate_line(t.subject.value, t.predicate.value)
                        or f.layout.subject_line(t.subject.value))
        return None


def _text_line(f: _Loaded, iri: str) -> int | None:
    """The first line of ``f`` where ``iri`` is written, in full or as a prefixed name."""
    forms = [f"<{iri}>"]
    for prefix, ns in f.layout.prefixes.items():
        if iri.startswith(ns):
            forms.append(f"{prefix}:{iri[len(ns):]}")
    for number, line in enumerate(f.text.splitlines(), start=1):
        stripped = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
        for form in forms:
            idx = stripped.find(form)
            if idx >= 0:
                end = idx + len(form)
                if end >= len(stripped) or not (stripped[end].isalnum() or stripped[end] in "-_"):
                    return number
    return None


def compact_iri(iri: str) -> str:
    """``prefix:local`` for IRIs under :data:`skillkg.iris.PREFIXES`, else ``<iri>``."""
    best = None
    for name, ns in iris.PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns) and (best is None or len(ns) > len(best[1])):
            best = (name, ns)
    if best:
        return f"{best[0]}:{iri[len(best[1]):]}"
    return f"<{iri}>"


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def find_ontology_dir(paths: Sequence[Path]) -> Path:
    """The ``ontology/`` folder that gives context to ``paths``: the nearest one above them
    (a folder holding ``skillkg.ttl``), else the project's."""
    for p in paths:
        p = p.resolve()
        for candidate in (p, *p.parents):
            if candidate.is_dir() and (candidate / "skillkg.ttl").is_file():
                return candidate
            if (candidate / "ontology" / "skillkg.ttl").is_file():
                return candidate / "ontology"
    from skillkg import config

    return config.project_root() / "ontology"


_SLASH_HINT = ("A prefixed name cannot contain '/': write the full IRI "
               "<https://w3id.org/skillkg/id/participation/RECORD/ORG> "
               "(or escape it, participation:RECORD\\/ORG).")


def _syntax_hint(message: str) -> str:
    if "'/' is not allowed" in message:
        return _SLASH_HINT
    if "prefix" in message.lower() and "not" in message.lower():
        return "Declare every prefix you use with @prefix at the top of the file (see CONTRIBUTING.md)."
    return ("Statements end with ' .', predicate-object pairs are separated by ';', objects by ','; "
            "strings are in double quotes. Run `skillkg validate FILE` after each fix.")


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def _load(paths: Sequence[Path], ontology_dir: Path, report: Report) -> _Workspace | None:
    root = ontology_dir.resolve().parent
    shapes = (ontology_dir / "shapes.ttl").resolve()
    targets = [p.resolve() for p in turtle_files(paths) if p.resolve() != shapes]
    context = [s.path.resolve() for s in discover(ontology_dir)]
    ordered = context + [t for t in targets if t not in set(context)]
    target_set = set(targets)
    report.files = [_display(p, root) for p in targets]
    loaded: list[_Loaded] = []
    broken_target = False
    for path in ordered:
        display = _display(path, root)
        try:
            data = read_turtle(path)
        except SourceError as exc:
            message = str(exc).split(": ", 1)[-1]
            report.problems.append(Problem(
                "error" if path in target_set else "warning", "turtle-syntax",
                message if path in target_set else f"this context file does not parse, so checks ran "
                f"without it: {message}", _syntax_hint(message), display, exc.line, exc.column,
                check="syntax"))
            broken_target = broken_target or path in target_set
            continue
        text = data.decode("utf-8")
        triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=iris.ID))
        loaded.append(_Loaded(path, display, path.as_uri(), triples, text, path in target_set))
    if broken_target:
        report.problems.append(Problem(
            "info", "checks-skipped", "SHACL, project rules and the reasoner did not run because a "
            "file does not parse; their findings would only echo the missing triples.",
            "Fix the syntax errors first, then validate again.", check="syntax"))
        return None
    return _Workspace(loaded, root)


def _shacl(ws: _Workspace, shapes_path: Path) -> list[tuple[Problem, object, str | None, None]]:
    import pyshacl
    import rdflib

    def conv(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
        if isinstance(term, ox.NamedNode):
            return rdflib.URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            # skolemized, so that blank nodes (owl:Axiom annotations) can be focus nodes
            return rdflib.URIRef(_SKOLEM + term.value)
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))

    data = rdflib.Graph()
    # rdflib logs a traceback for every ill-typed literal ("2013-1"^^xsd:date); the shapes
    # report those literals with a clear message, so keep the log quiet meanwhile
    term_log = logging.getLogger("rdflib.term")
    level = term_log.level
    term_log.setLevel(logging.CRITICAL)
    try:
        for f in ws.files:
            for t in f.triples:
                data.add((conv(t.subject), conv(t.predicate), conv(t.object)))
    finally:
        term_log.setLevel(level)
    shapes = rdflib.Graph()
    try:
        shapes.parse(shapes_path, format="turtle")
    except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds of parse errors
        raise ValidationSetupError(f"{shapes_path}: the SHACL shapes do not parse: {exc}") from exc
    # every node is validated: pySHACL's focus_nodes option also restricts the value nodes
    # of qualified value shapes, which breaks the "exactly one @en label" constraints
    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True,
        advanced=True, inplace=True,
    )
    SH = rdflib.Namespace(_SH)
    found = []
    # only the report's own results: nested results (sh:detail of sh:node) repeat them
    top_level = [r for report in results.subjects(rdflib.RDF.type, SH.ValidationReport)
                 for r in results.objects(report, SH.result)]
    for r in top_level:
        focus = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        value = results.value(r, SH.value)
        shape = results.value(r, SH.sourceShape)
        severity = _SEVERITY_OF.get(str(results.value(r, SH.resultSeverity)), "error")
        message = results.value(r, SH.resultMessage)
        rule = str(shape)[len(iris.SHAPES):] if str(shape).startswith(iris.SHAPES) else "shacl"
        hint = shapes.value(shape, SH.description) if shape is not None else None
        focus_ox = _to_ox(focus)
        value_ox = _to_ox(value)
        path_iri = str(path) if isinstance(path, rdflib.URIRef) else None
        problem = Problem(
            severity, rule, str(message) if message else f"SHACL constraint {rule} is not met.",
            str(hint) if hint else "", focus=ws.compact(focus_ox),
            path=compact_iri(path_iri) if path_iri else None,
            value=ws.compact(value_ox) if value_ox is not None else None, check="shacl")
        found.append((problem, focus_ox, path_iri, None))
    return found


def _to_ox(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    import rdflib

    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        if str(term).startswith(_SKOLEM):
            return ox.BlankNode(str(term)[len(_SKOLEM):])
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        dt = term.datatype or rdflib.URIRef(iris.XSD + "string")
        return ox.Literal(str(term), datatype=ox.NamedNode(str(dt)))
    return None


def _fill(template: str, texts: dict[str, str]) -> str:
    """Replace ``{focus}``, ``{path}`` and ``{value}`` in a rule's message (other braces stay)."""
    return re.sub(r"\{(focus|path|value)\}", lambda m: texts[m.group(1)], template)


def _rules(ws: _Workspace, rules: list[Rule]) -> list[tuple[Problem, object, str | None, str | None]]:
    found = []
    prologue = _prologue()
    for rule in rules:
        try:
            solutions = ws.store.query(prologue + rule.query, use_default_graph_as_union=True,
                                       custom_functions=CUSTOM_FUNCTIONS)
        except SyntaxError as exc:
            raise ValidationSetupError(f"{rule.path}: the rule's SPARQL does not parse: {exc}") from exc
        variables = {v.value for v in solutions.variables}
        for row in solutions:
            focus = row["focus"] if "focus" in variables else None
            path = row["path"] if "path" in variables else None
            value = row["value"] if "value" in variables else None
            file_term = row["file"] if "file" in variables else None
            texts = {"focus": ws.compact(focus) or "", "path": ws.compact(path) or "",
                     "value": ws.compact(value) or ""}
            if isinstance(value, ox.Literal) and value.datatype.value == iris.XSD + "string":
                texts["value"] = value.value
            problem = Problem(rule.severity, rule.id, _fill(rule.message, texts),
                              _fill(rule.hint, texts), focus=texts["focus"] or None,
                              path=texts["path"] or None, value=texts["value"] or None, check="rule")
            path_iri = path.value if isinstance(path, ox.NamedNode) else None
            file_uri = file_term.value if isinstance(file_term, ox.NamedNode) else None
            found.append((problem, focus, path_iri, file_uri))
    return found


def _reasoner(ws: _Workspace) -> list[Problem]:
    from skillkg.reasoning import ReasoningError, is_consistent
    from skillkg.store import Store

    store = Store.memory()
    for f in ws.files:
        store.replace_graph(f.uri, f.triples)
    try:
        if is_consistent(store):
            return []
        core = [f.uri for f in ws.files if f.path.name == "skillkg.ttl" or "/vocab/" in f.uri]
        base = [f.uri for f in ws.files if not f.target] or core
        suspects = [f for f in ws.files if f.uri not in base]
        if not is_consistent(store, base):
            # the context is inconsistent without the files under review: find which part
            onto = [f.uri for f in ws.files if f.path.name == "skillkg.ttl"]
            suspects = [f for f in ws.files if f.uri in base and f.uri not in onto]
            base = onto
        culprits = [f for f in suspects if not is_consistent(store, [*base, f.uri])]
        if not culprits and not is_consistent(store, base):
            culprits = [f for f in ws.files if f.uri in base]
    except ReasoningError as exc:
        return [Problem("error", "reasoner-failed", f"the reasoner could not run: {exc}",
                        "Install Java (HermiT needs it) or run `skillkg validate --no-reason`.",
                        check="reasoner")]
    hint = ("Typical causes: an individual typed with two disjoint classes (a partnership that is also "
            "an agreement, a country used as an organisation), a class used as an individual, or a "
            "functional property (skg:status, skg:startYear, skg:participant) with two values.")
    if not culprits:
        return [Problem("error", "inconsistent", "the files are inconsistent together, though none "
                        "is inconsistent with the ontology on its own.", hint, check="reasoner")]
    return [Problem("error", "inconsistent", "this file makes the ontology logically inconsistent "
                    "(HermiT).", hint, file=f.display, check="reasoner") for f in culprits]


def validate(paths: Sequence[Path] | None = None, ontology_dir: Path | None = None,
             reason: bool = True) -> Report:
    """Validate the Turtle files under ``paths`` (default: all of ``ontology/``).

    ``ontology_dir`` gives the context (skillkg.ttl, vocabularies, records, shapes and
    rules); by default the nearest ``ontology/`` above ``paths``, else the project's.
    ``reason=False`` skips the (slower) HermiT consistency check.
    """
    if ontology_dir is None:
        ontology_dir = find_ontology_dir(list(paths or []))
    if not (ontology_dir / "skillkg.ttl").is_file():
        raise ValidationSetupError(f"{ontology_dir} has no skillkg.ttl: pass the ontology folder "
                                   "(--ontology) or run inside the project")
    paths = list(paths) if paths else [ontology_dir]
    for p in paths:
        if not p.exists():
            raise ValidationSetupError(f"{p}: no such file or folder")
    report = Report()
    ws = _load(paths, ontology_dir, report)
    report.checks.append("syntax")
    if ws is None:
        return _finish(report)
    located: list[tuple[Problem, object, str | None, str | None]] = []
    shapes = ontology_dir / "shapes.ttl"
    if shapes.is_file():
        located += _shacl(ws, shapes)
        report.checks.append("shacl")
    rules_dir = ontology_dir / "rules"
    if rules_dir.is_dir():
        located += _rules(ws, load_rules(rules_dir))
        report.checks.append("rules")
    for problem, focus, path, file_uri in located:
        f, line = ws.locate(focus, path, file_uri)  # type: ignore[arg-type]
        if f is not None:
            problem.file, problem.line = f.display, line
            if not f.target:
                continue
        report.problems.append(problem)
    if reason:
        for p in _reasoner(ws):
            if p.file is not None and p.file not in set(report.files):
                # the inconsistency is in the context, not in the files under review
                p.severity = "warning"
                p.message = "this context file (not among those validated) is inconsistent " \
                    "with the ontology (HermiT); checks of your files may be affected."
            report.problems.append(p)
        report.checks.append("reasoner")
    return _finish(report)


def _finish(report: Report) -> Report:
    order = {s: i for i, s in enumerate(SEVERITIES)}
    unique: dict[tuple, Problem] = {}
    for p in report.problems:
        unique.setdefault((p.rule, p.file, p.line, p.focus, p.path, p.value, p.message), p)
    report.problems = sorted(unique.values(), key=lambda p: (
        p.file or "", p.line or 0, order[p.severity], p.rule, p.focus or "", p.value or ""))
    return report


def format_text(report: Report) -> Iterable[str]:
    """Lines of the human-readable report (without colour)."""
    for p in report.problems:
        head = f"{p.severity:<7} {p.where()}  [{p.rule}]"
        if p.focus:
            head += f"  {p.focus}"
        yield head
        detail = p.message
        if p.value and p.check == "shacl":
            detail += f" (value: {p.value})"
        yield f"        {detail}"
        if p.hint:
            yield f"        hint: {p.hint}"
    c = report.counts()
    yield (f"{len(report.files)} files checked ({', '.join(report.checks)}): {c['error']} errors, "
           f"{c['warning']} warnings, {c['info']} notes")
