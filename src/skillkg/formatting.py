"""``skillkg fmt``: one canonical Turtle form for every file under ``ontology/``.

Two edits of the same content give byte-identical files, so a pull request's
diff shows only what changed.  The canonical form:

* **Prefixes**: only those of :data:`skillkg.iris.PREFIXES` that the file uses,
  sorted by name; a file's own extra prefixes are dropped and their IRIs
  written in full (``<...>``), so the same IRI is always spelled the same way.
* **Subjects**, one block each, grouped by type and then ordered by IRI: the
  ``owl:Ontology`` header first, then concept schemes, classes, object,
  datatype and annotation properties, records (``skg:MobilityArrangement``
  kinds), participations, other individuals grouped by their type, sources,
  untyped subjects, and last the top-level blank nodes (``owl:Axiom``
  annotations, ``owl:AllDisjointClasses``) ordered by their content.
* **Predicates**: ``a`` (rdf:type) first, then ``owl:annotatedSource``,
  ``owl:annotatedProperty``, ``owl:annotatedTarget``, ``owl:onProperty``,
  the labels and descriptions, then the rest by name.  **Objects** sorted.
* **Blank nodes** referenced once are written inline (``[ ... ]``, on one line
  when short), RDF lists as ``( ... )``; blank nodes referenced more than once
  get labels ``_:b1``, ``_:b2`` ... in content order.
* **Literals**: integers, decimals and booleans bare; other typed literals as
  ``"lexical"^^datatype`` with their lexical form untouched.

**Comments** cannot survive a reordering in place, so fmt keeps them this way
(and never drops one):

* the *leading block* (every comment before the first triple, other than
  those touching the first statement) stays at the top of the file, before
  the prefixes;
* a comment before or inside a statement is attached to that statement's
  subject and written just above the subject's block (comments before a
  blank-node statement, e.g. an ``owl:Axiom``, go with the previous named
  subject);
* comments after the last statement stay at the end of the file.

Formatting never loses a triple: the output is parsed again and must be
isomorphic to the input (compared after RDF canonicalization), and formatting
it again must give the same text; otherwise fmt refuses to write
(:class:`FormatError`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from skillkg import iris

RDF_TYPE = iris.RDF + "type"
RDF_FIRST = iris.RDF + "first"
RDF_REST = iris.RDF + "rest"
RDF_NIL = iris.RDF + "nil"
XSD_STRING = iris.XSD + "string"
RDF_LANGSTRING = iris.RDF + "langString"

#: Widest inline blank node or list written on one line.
INLINE_WIDTH = 110
INDENT = "    "


class FormatError(ValueError):
    """A file cannot be formatted safely; ``path`` and ``line`` say where, the message what to do."""

    def __init__(self, path: Path | None, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = str(path) if path else "<input>"
        if line:
            where += f":{line}"
        super().__init__(f"{where}: {message}")


# ---------------------------------------------------------------------------
# Layout: statements, subjects, lines and comments of a Turtle file as written
# ---------------------------------------------------------------------------


@dataclass
class Statement:
    """One top-level Turtle statement as written in the file."""

    start_line: int
    end_line: int
    subject: str | None  # the subject's IRI, or None for a blank node / collection subject
    directive: bool = False
    #: predicate IRI -> line where it is first written as a predicate of this statement
    predicate_lines: dict[str, int] = field(default_factory=dict)
    #: predicate IRI -> the objects written for it at the top level (IRIs expanded, others as written)
    objects: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class Comment:
    line: int
    text: str


@dataclass
class Layout:
    """What a Turtle file looks like: prefixes, statements and comments, with line numbers."""

    prefixes: dict[str, str]
    statements: list[Statement]
    comments: list[Comment]

    def subject_line(self, iri: str) -> int | None:
        """The line of the first statement whose subject is ``iri``, if any."""
        for st in self.statements:
            if st.subject == iri:
                return st.start_line
        return None

    def predicate_line(self, iri: str, predicate: str) -> int | None:
        """The line where ``predicate`` is first written for subject ``iri``, if any."""
        for st in self.statements:
            if st.subject == iri and predicate in st.predicate_lines:
                return st.predicate_lines[predicate]
        return None


_WORD_STOP = set(" \t\r\n;,()[]<>\"'")
_LOCAL_UNESCAPE = re.compile(r"\\(.)")


def _expand(token: str, prefixes: dict[str, str]) -> str | None:
    """Expand a prefixed name, ``<iri>`` or ``a`` into an IRI (None if it is none of these)."""
    if token == "a":
        return RDF_TYPE
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    if ":" in token and not token.startswith(("_:", '"', "'", "@", "^")):
        prefix, _, local = token.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + _LOCAL_UNESCAPE.sub(r"\1", local)
    return None


def scan(text: str) -> Layout:
    """Scan Turtle ``text`` (already known to parse) into statements, comments and lines.

    A light lexer, not a parser: it tracks strings, IRIs, comments, brackets and
    statement-ending dots, which is all that line numbers and comments need.
    """
    prefixes: dict[str, str] = {}
    statements: list[Statement] = []
    comments: list[Comment] = []
    i, n, line = 0, len(text), 1
    depth = 0
    tokens: list[tuple[str, int]] = []  # tokens of the current statement at any depth
    current: Statement | None = None
    expect_predicate = False
    last_predicate: str | None = None

    def finish(end_line: int) -> None:
        nonlocal current, tokens, expect_predicate
        if current is not None:
            current.end_line = end_line
            if current.directive and len(tokens) >= 3:
                name = tokens[1][0].rstrip(":")
                iri_token = tokens[2][0]
                if tokens[0][0].lower() in ("@prefix", "prefix") and iri_token.startswith("<"):
                    prefixes[name] = iri_token[1:-1]
            statements.append(current)
        current, tokens, expect_predicate = None, [], False

    def token(tok: str, at: int) -> None:
        nonlocal current, expect_predicate, last_predicate
        if current is None:
            directive = tok.lower() in ("@prefix", "@base", "prefix", "base")
            subject = None if directive else _expand(tok, prefixes)
            current = Statement(at, at, subject, directive)
            tokens.append((tok, at))
            expect_predicate = not directive and tok != "("
            last_predicate = None
            return
        tokens.append((tok, at))
        if current.directive:
            if tokens[0][0].lower() in ("prefix", "base") and tok.startswith("<"):
                finish(at)  # SPARQL-style PREFIX/BASE: no final dot
            return
        # the level of the subject's predicates: 1 inside a `[ p o ] .` subject, else 0
        top = 1 if tokens[0][0] == "[" and tokens[1][0] != "]" else 0
        if tokens[0][0] == "[" and len(tokens) == 2 and tok == "]":
            expect_predicate = True  # `[] p o .`
            return
        if depth == top and tok == ";":
            expect_predicate = True
            return
        if depth == top and expect_predicate and tok not in (";", ",", "]", ")"):
            predicate = _expand(tok, prefixes)
            if predicate is not None:
                current.predicate_lines.setdefault(predicate, at)
            last_predicate = predicate
            expect_predicate = False
            return
        if depth == top and last_predicate and tok not in (";", ",", "]", ")", "[", "("):
            current.objects[last_predicate].append(_expand(tok, prefixes) or tok)

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == "#":
            end = text.find("\n", i)
            end = n if end == -1 else end
            comments.append(Comment(line, text[i:end].rstrip()))
            i = end
        elif c == "<":
            end = text.find(">", i)
            end = n - 1 if end == -1 else end
            token(text[i : end + 1], line)
            line += text.count("\n", i, end + 1)
            i = end + 1
        elif c in "\"'":
            start_line = line
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + len(quote))
            line += text.count("\n", i, j)
            token('"', start_line)
            i = j
        elif c in "[(":
            token(c, line)
            depth += 1
            i += 1
        elif c in ")]":
            depth = max(0, depth - 1)
            token(c, line)
            i += 1
        elif c in ";,":
            token(c, line)
            i += 1
        elif c == "." and depth == 0 and (i + 1 >= n or text[i + 1] in " \t\r\n#"):
            finish(line)
            i += 1
        else:
            j = i
            while j < n and text[j] not in _WORD_STOP:
                if text[j] == "\\" and j + 1 < n:
                    j += 2
                    continue
                if text[j] == "." and (j + 1 >= n or text[j + 1] in " \t\r\n#"):
                    break
                if text[j] == "#" and j > i and text[j - 1] in " \t":
                    break
                j += 1
            if j == i:  # a lone dot inside brackets or similar: skip it
                j = i + 1
            token(text[i:j], line)
            i = j
    if current is not None:
        finish(line)
    return Layout(prefixes, statements, comments)


@dataclass
class CommentPlan:
    """Where each comment of a file goes when the file is rewritten."""

    header: list[str] = field(default_factory=list)
    attached: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    trailer: list[str] = field(default_factory=list)

    def count(self) -> int:
        header = [c for c in self.header if c]
        return len(header) + sum(len(v) for v in self.attached.values()) + len(self.trailer)


def plan_comments(layout: Layout) -> CommentPlan:
    """Decide where each comment goes (see the module docstring)."""
    plan = CommentPlan()
    triples_statements = [s for s in layout.statements if not s.directive]
    if not triples_statements:
        plan.header = [c.text for c in layout.comments]
        return plan
    first = triples_statements[0]
    # the comment lines touching the first statement (no blank line between) belong to it
    touching: set[int] = set()
    expected = first.start_line - 1
    for c in sorted((c for c in layout.comments if c.line < first.start_line),
                    key=lambda c: -c.line):
        if c.line == expected:
            touching.add(c.line)
            expected -= 1
        else:
            break
    last_named: str | None = None
    bounds = [(s.start_line, s.end_line, s) for s in triples_statements]
    previous_header_line: int | None = None
    for c in layout.comments:
        if c.line < first.start_line and c.line not in touching:
            # keep the blank lines that separate groups of header comments
            if previous_header_line is not None and c.line > previous_header_line + 1:
                plan.header.append("")
            plan.header.append(c.text)
            previous_header_line = c.line
            continue
        target: Statement | None = None
        for index, (start, end, st) in enumerate(bounds):
            if start <= c.line <= end:
                target = st
                # a comment on the line a statement ends belongs to it (trailing "# note")
                break
            if c.line < start:
                previous = bounds[index - 1][2] if index else None
                target = previous if previous and previous.end_line == c.line else st
                break
        if target is None:
            if bounds[-1][1] == c.line:
                target = bounds[-1][2]
            else:
                plan.trailer.append(c.text)
                continue
        subject = target.subject
        if subject is None:
            # a blank-node statement: attach to the closest named subject before it
            last_named = None
            for st in triples_statements:
                if st is target:
                    break
                if st.subject is not None:
                    last_named = st.subject
            if last_named is None:
                plan.header.append(c.text)
                continue
            subject = last_named
        plan.attached[subject].append(c.text)
    return plan


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------

_PN_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]*\.[0-9]+$")

#: Namespaces from the longest to the shortest, so the most specific prefix wins.
_NAMESPACES = sorted(((ns, name) for name, ns in iris.PREFIXES.items()), key=lambda x: -len(x[0]))

_TYPE_RANK: list[tuple[str, ...]] = [
    (iris.OWL + "Ontology",),
    (iris.SKOS + "ConceptScheme",),
    (iris.OWL + "Class", iris.RDFS + "Class"),
    (iris.OWL + "ObjectProperty",),
    (iris.OWL + "DatatypeProperty",),
    (iris.OWL + "AnnotationProperty",),
    tuple(iris.skg(c) for c in (
        "MobilityArrangement", "Partnership", "SkillsMobilityPartnership", "LabourMobilityScheme",
        "Agreement", "BilateralLabourAgreement", "MemorandumOfUnderstanding",
        "MutualRecognitionArrangement")),
    (iris.skg("Participation"),),
]
_RANK_OTHER = len(_TYPE_RANK)
_RANK_SOURCE = _RANK_OTHER + 1
_RANK_UNTYPED = _RANK_OTHER + 2
_RANK_BNODE = _RANK_OTHER + 3
_SOURCE_TYPES = {iris.skg("Source"), iris.skg("PolicyDocument")}

_PREDICATE_HEAD = [
    RDF_TYPE,
    iris.OWL + "annotatedSource",
    iris.OWL + "annotatedProperty",
    iris.OWL + "annotatedTarget",
    iris.OWL + "onProperty",
    iris.SH + "targetClass",
    iris.SH + "targetObjectsOf",
    iris.SH + "path",
    iris.RDFS + "label",
    iris.SKOS + "prefLabel",
    iris.SKOS + "altLabel",
    iris.DCTERMS + "title",
    iris.SKOS + "definition",
    iris.DCTERMS + "description",
]

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def _escape(value: str) -> str:
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


class TurtleWriter:
    """Renders one graph in the canonical form."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.po: dict[Term, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.refs: dict[ox.BlankNode, int] = defaultdict(int)
        seen: set[ox.Triple] = set()
        for t in triples:
            if t in seen:
                continue
            seen.add(t)
            self.po[t.subject][t.predicate.value].append(t.object)  # type: ignore[index]
            if isinstance(t.object, ox.BlankNode):
                self.refs[t.object] += 1
        self.used_prefixes: set[str] = set()
        self.lists: dict[ox.BlankNode, list[Term]] = {}
        self._find_lists()
        self.labels: dict[ox.BlankNode, str] = {}
        self._label_shared_bnodes()

    # -- terms -------------------------------------------------------------
    def iri(self, value: str, predicate: bool = False) -> str:
        if predicate and value == RDF_TYPE:
            return "a"
        for ns, name in _NAMESPACES:
            if value.startswith(ns):
                local = value[len(ns):]
                if _PN_LOCAL.match(local):
                    self.used_prefixes.add(name)
                    return f"{name}:{local}"
        return f"<{value}>"

    def literal(self, lit: ox.Literal) -> str:
        dt = lit.datatype.value
        if lit.language:
            return f'"{_escape(lit.value)}"@{lit.language}'
        if dt == XSD_STRING:
            return f'"{_escape(lit.value)}"'
        if dt == iris.XSD + "integer" and _INTEGER.match(lit.value):
            return lit.value
        if dt == iris.XSD + "decimal" and _DECIMAL.match(lit.value):
            return lit.value
        if dt == iris.XSD + "boolean" and lit.value in ("true", "false"):
            return lit.value
        return f'"{_escape(lit.value)}"^^{self.iri(dt)}'

    def term(self, t: Term, indent: str) -> str:
        if isinstance(t, ox.NamedNode):
            return self.iri(t.value)
        if isinstance(t, ox.Literal):
            return self.literal(t)
        if t in self.labels:
            return self.labels[t]
        if t in self.lists:
            return self.render_list(self.lists[t], indent)
        return self.render_anon(t, indent)

    def sort_key(self, t: Term) -> tuple[int, str, str]:
        if isinstance(t, ox.NamedNode):
            return (0, self.iri(t.value), "")
        if isinstance(t, ox.Literal):
            tag = t.language or t.datatype.value
            return (2, tag, t.value)
        return (1, self.term(t, ""), "")

    # -- blank nodes -------------------------------------------------------
    def _find_lists(self) -> None:
        for node, preds in list(self.po.items()):
            if not isinstance(node, ox.BlankNode) or self.refs.get(node, 0) != 1:
                continue
            if set(preds) != {RDF_FIRST, RDF_REST}:
                continue
            # only start at list heads: nodes that are not some other node's rdf:rest
            if any(node in p.get(RDF_REST, []) for p in self.po.values()):
                continue
            items: list[Term] = []
            cursor: Term = node
            chain: list[ox.BlankNode] = []
            ok = True
            while not (isinstance(cursor, ox.NamedNode) and cursor.value == RDF_NIL):
                p = self.po.get(cursor)
                if (not isinstance(cursor, ox.BlankNode) or p is None or set(p) != {RDF_FIRST, RDF_REST}
                        or len(p[RDF_FIRST]) != 1 or len(p[RDF_REST]) != 1
                        or self.refs.get(cursor, 0) != 1 or cursor in chain):
                    ok = False
                    break
                chain.append(cursor)
                items.append(p[RDF_FIRST][0])
                cursor = p[RDF_REST][0]
            if ok:
                self.lists[node] = items
                for inner in chain[1:]:
                    self.lists[inner] = []  # marks list cells written through their head

    def _label_shared_bnodes(self) -> None:
        shared = [b for b in self.po if isinstance(b, ox.BlankNode) and self.refs.get(b, 0) > 1]
        # blank nodes that only occur inside a cycle are never reached from a top-level subject
        reachable: set[ox.BlankNode] = set()

        def walk(node: Term) -> None:
            for objs in self.po.get(node, {}).values():
                for o in objs:
                    if isinstance(o, ox.BlankNode) and o not in reachable and o not in shared:
                        reachable.add(o)
                        walk(o)

        for s in self.po:
            if not isinstance(s, ox.BlankNode) or self.refs.get(s, 0) == 0 or s in shared:
                walk(s)
        orphans = [b for b in self.po if isinstance(b, ox.BlankNode) and self.refs.get(b, 0) == 1
                   and b not in reachable and b not in self.lists]
        to_label = shared + orphans
        placeholder = "_:?"
        for b in to_label:
            self.labels[b] = placeholder

        def key(b: ox.BlankNode) -> str:
            return self.block(b, "")

        for i, b in enumerate(sorted(to_label, key=key), start=1):
            self.labels[b] = f"_:b{i}"

    def render_list(self, items: list[Term], indent: str) -> str:
        if not items:
            return "()"
        inner = [self.term(x, indent + INDENT) for x in items]
        one_line = "( " + " ".join(inner) + " )"
        if "\n" not in one_line and len(one_line) <= INLINE_WIDTH:
            return one_line
        body = "\n".join(indent + INDENT + x for x in inner)
        return "(\n" + body + "\n" + indent + ")"

    def render_anon(self, node: ox.BlankNode, indent: str) -> str:
        pairs = self.predicate_objects(node, indent + INDENT)
        one = "[ " + " ; ".join(f"{p} {', '.join(objs)}" for p, objs in pairs) + " ]"
        if "\n" not in one and len(one) <= INLINE_WIDTH:
            return one
        lines = self.pairs_lines(pairs, indent + INDENT)
        return "[\n" + lines + "\n" + indent + "]"

    def predicate_objects(self, node: Term, indent: str) -> list[tuple[str, list[str]]]:
        preds = self.po.get(node, {})
        head = {p: i for i, p in enumerate(_PREDICATE_HEAD)}
        order = sorted(preds, key=lambda p: (head.get(p, len(head)), self.iri(p, predicate=True)))
        out = []
        for p in order:
            objs = sorted(preds[p], key=self.sort_key)
            out.append((self.iri(p, predicate=True), [self.term(o, indent) for o in objs]))
        return out

    @staticmethod
    def one_per_line(lead: str, objs: list[str]) -> bool:
        """Whether the objects of a predicate go one per line (blank nodes, or too long a line)."""
        if len(objs) < 2:
            return False
        if any(o.startswith(("[", "(")) for o in objs):
            return True
        return len(lead) + sum(len(o) + 2 for o in objs) > INLINE_WIDTH and all("\n" not in o for o in objs)

    def pairs_lines(self, pairs: list[tuple[str, list[str]]], indent: str) -> str:
        lines = []
        for p, objs in pairs:
            if self.one_per_line(f"{indent}{p} ", objs):
                joined = (",\n" + indent + INDENT).join(objs)
                lines.append(f"{indent}{p}\n{indent}{INDENT}{joined}")
            else:
                lines.append(f"{indent}{p} {', '.join(objs)}")
        return " ;\n".join(lines)

    def block(self, subject: Term, subject_text: str | None = None) -> str:
        if subject_text is None:
            if isinstance(subject, ox.BlankNode):
                subject_text = self.labels.get(subject, "[]")
            else:
                subject_text = self.term(subject, "")
        pairs = self.predicate_objects(subject, INDENT)
        first_p, first_objs = pairs[0]
        rest = self.pairs_lines(pairs[1:], INDENT) if len(pairs) > 1 else ""
        if self.one_per_line(f"{subject_text} {first_p} ", first_objs):
            head = f"{subject_text} {first_p}\n{INDENT}{INDENT}" + (",\n" + INDENT * 2).join(first_objs)
        else:
            head = f"{subject_text} {first_p} {', '.join(first_objs)}"
        return head + (" ;\n" + rest if rest else "") + " ."

    # -- subjects ----------------------------------------------------------
    def top_level(self) -> list[Term]:
        subjects = []
        for s in self.po:
            if isinstance(s, ox.BlankNode):
                if s in self.labels or self.refs.get(s, 0) == 0:
                    subjects.append(s)
            else:
                subjects.append(s)
        return subjects

    def subject_key(self, s: Term) -> tuple[int, str, str]:
        if isinstance(s, ox.BlankNode):
            return (_RANK_BNODE, "", self.block(s))
        types = [t.value for t in self.po[s].get(RDF_TYPE, []) if isinstance(t, ox.NamedNode)]
        text = self.iri(s.value)  # type: ignore[union-attr]
        if not types:
            return (_RANK_UNTYPED, "", text)
        ranks = [i for i, group in enumerate(_TYPE_RANK) if any(t in group for t in types)]
        if ranks:
            return (min(ranks), "", text)
        if any(t in _SOURCE_TYPES for t in types):
            return (_RANK_SOURCE, "", text)
        return (_RANK_OTHER, min(self.iri(t) for t in types), text)


def render(triples: Iterable[ox.Triple], plan: CommentPlan | None = None) -> str:
    """Write ``triples`` as canonical Turtle, with comments placed as ``plan`` says."""
    plan = plan or CommentPlan()
    w = TurtleWriter(triples)
    subjects = sorted(w.top_level(), key=w.subject_key)
    blocks = []
    for s in subjects:
        text = w.block(s)
        notes = plan.attached.get(s.value, []) if isinstance(s, ox.NamedNode) else []
        blocks.append("\n".join([*notes, text]))
    # comments attached to subjects that are not written as blocks: keep them in the trailer
    written = {s.value for s in subjects if isinstance(s, ox.NamedNode)}
    stray = [c for subject, cs in plan.attached.items() if subject not in written for c in cs]
    prefix_block = "\n".join(
        f"@prefix {name}: <{iris.PREFIXES[name]}> ." for name in sorted(w.used_prefixes)
    )
    parts = []
    if plan.header:
        parts.append("\n".join(plan.header))
    if prefix_block:
        parts.append(prefix_block)
    parts.extend(blocks)
    if plan.trailer or stray:
        parts.append("\n".join([*stray, *plan.trailer]))
    return "\n\n".join(parts) + "\n"


def parse(data: bytes, path: Path | None = None) -> list[ox.Triple]:
    """Parse Turtle ``data``, raising :class:`FormatError` with the line of a syntax error."""
    try:
        return list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=iris.ID))
    except SyntaxError as exc:
        raise FormatError(path, f"Turtle syntax error: {exc}. Fix it before formatting "
                          "(`skillkg validate` shows every problem).", exc.lineno) from exc


def isomorphic(a: Iterable[ox.Triple], b: Iterable[ox.Triple]) -> bool:
    """True if the two graphs are the same up to blank-node names (RDFC-1.0 canonical form)."""
    canon = []
    for triples in (a, b):
        ds = ox.Dataset([ox.Quad(t.subject, t.predicate, t.object) for t in triples])
        ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        canon.append({str(q) for q in ds})
    return canon[0] == canon[1]


def format_text(data: bytes | str, path: Path | None = None) -> str:
    """Return the canonical form of the Turtle ``data``; raise :class:`FormatError` if unsafe.

    The result is checked before it is returned: it parses, it holds the same
    triples (isomorphic), it keeps every comment, and formatting it again
    changes nothing.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FormatError(path, "the file is not UTF-8; save it as UTF-8", line) from exc
    triples = parse(raw, path)
    plan = plan_comments(scan(text))
    out = render(triples, plan)
    again = parse(out.encode("utf-8"), path)
    if not isomorphic(triples, again):
        raise FormatError(path, "formatting would change the graph (not isomorphic); the file was "
                          "left as it is. Please report this as a skillkg bug with the file attached.")
    kept = plan_comments(scan(out)).count()
    if kept != plan.count():
        raise FormatError(path, f"formatting would keep {kept} of {plan.count()} comments; the file "
                          "was left as it is. Move comments above a subject, then retry.")
    if render(again, plan_comments(scan(out))) != out:
        raise FormatError(path, "formatting is not stable for this file; the file was left as it "
                          "is. Please report this as a skillkg bug with the file attached.")
    return out


def turtle_files(paths: Iterable[Path]) -> list[Path]:
    """Expand ``paths`` (files or folders) into the sorted ``.ttl`` files they hold."""
    found: set[Path] = set()
    for p in paths:
        if p.is_dir():
            found.update(x for x in p.rglob("*.ttl") if x.is_file())
        elif p.is_file():
            found.add(p)
        else:
            raise FormatError(p, "no such file or folder")
    return sorted(found)


@dataclass
class FormatResult:
    """What ``skillkg fmt`` did (or would do, with ``--check``) to each file."""

    changed: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    errors: list[FormatError] = field(default_factory=list)


def format_files(paths: Iterable[Path], check: bool = False) -> FormatResult:
    """Format every Turtle file under ``paths`` in place (or only report, with ``check``).

    A file is rewritten only when its canonical form differs, and only after
    the canonical form has passed every check of :func:`format_text`.
    """
    result = FormatResult()
    for path in turtle_files(paths):
        try:
            data = path.read_bytes()
            out = format_text(data, path)
        except FormatError as exc:
            result.errors.append(exc)
            continue
        except OSError as exc:
            result.errors.append(FormatError(path, f"cannot read the file: {exc.strerror}"))
            continue
        if out.encode("utf-8") == data:
            result.unchanged.append(path)
            continue
        result.changed.append(path)
        if not check:
            tmp = path.with_name(path.name + ".fmt-tmp")
            tmp.write_text(out, encoding="utf-8")
            tmp.replace(path)
    return result
