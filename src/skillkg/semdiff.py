"""``skillkg diff BASE [HEAD]``: what a change to ``ontology/`` means, for a reviewer.

A line diff of Turtle says which lines moved; this says which classes,
properties and individuals were added, removed or changed (labels, relations,
the sources of each fact), and what the reasoner now concludes differently
(records newly classified as ``skg:SkillsMobilityPartnership``, inferred
``skg:contributesTo`` links...).  The output is Markdown that can be pasted
into a pull request or a CI job summary.

Revisions are read with ``git show REV:path``; ``HEAD`` defaults to the working
tree.  Facts annotated with ``owl:Axiom`` are shown with their sources, as
"source of <property> <value>" lines of the record they annotate.
"""

from __future__ import annotations

import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyoxigraph as ox

from skillkg import iris
from skillkg.formatting import TurtleWriter
from skillkg.validation import compact_iri

RDF_TYPE = iris.RDF + "type"
OWL_AXIOM = iris.OWL + "Axiom"
_CLASS_TYPES = {iris.OWL + "Class", iris.RDFS + "Class"}
_PROPERTY_TYPES = {iris.OWL + "ObjectProperty", iris.OWL + "DatatypeProperty",
                   iris.OWL + "AnnotationProperty", iris.RDF + "Property"}
_LABELS = (iris.SKOS + "prefLabel", iris.RDFS + "label", iris.DCTERMS + "title")
_SMP = iris.skg("SkillsMobilityPartnership")
#: Most inferred changes listed one by one; the rest are counted.
MAX_LISTED = 40


class DiffError(RuntimeError):
    """A revision cannot be read (unknown revision, not a git repository); the message says why."""


@dataclass
class Snapshot:
    """The Turtle files of ``ontology/`` at one revision, parsed."""

    label: str
    files: dict[str, bytes] = field(default_factory=dict)  # path under ontology/ -> content
    triples: dict[str, list[ox.Triple]] = field(default_factory=dict)  # parsed .ttl files
    unreadable: dict[str, str] = field(default_factory=dict)  # path -> parse error

    def all_triples(self) -> list[ox.Triple]:
        return [t for ts in self.triples.values() for t in ts]


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise DiffError("git is not installed or not on PATH") from exc
    if done.returncode != 0:
        raise DiffError(f"git {' '.join(args)} failed in {repo}: {done.stderr.decode().strip()}")
    return done.stdout


def _is_ontology_data(rel: str) -> bool:
    """Turtle files that hold the ontology (not shapes.ttl, which holds SHACL shapes)."""
    return rel.endswith(".ttl") and rel != "shapes.ttl"


def load_snapshot(repo: Path, rev: str | None, folder: str = "ontology") -> Snapshot:
    """Read ``folder`` of ``repo`` at git revision ``rev`` (``None``: the working tree)."""
    snap = Snapshot(rev or "working tree")
    if rev is None:
        base = repo / folder
        if not base.is_dir():
            raise DiffError(f"{base} does not exist: run skillkg diff in the project folder")
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            snap.files[path.relative_to(base).as_posix()] = path.read_bytes()
    else:
        _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        listing = _git(repo, "ls-tree", "-r", "--name-only", rev, "--", folder).decode()
        for name in listing.splitlines():
            rel = PurePosixPath(name).relative_to(folder).as_posix()
            snap.files[rel] = _git(repo, "show", f"{rev}:{name}")
    for rel, data in snap.files.items():
        if not _is_ontology_data(rel):
            continue
        try:
            snap.triples[rel] = list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=iris.ID))
        except SyntaxError as exc:
            snap.unreadable[rel] = str(exc)
    return snap


# ---------------------------------------------------------------------------
# Entities: what each named subject says, with the sources of its facts
# ---------------------------------------------------------------------------


@dataclass
class Entity:
    iri: str
    category: str  # class | property | individual
    kind: str  # for individuals: the kind of the IRI (partnership, country...) or "other"
    label: str
    pairs: set[tuple[str, str]]  # (predicate text, object text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def entities(snap: Snapshot) -> tuple[dict[str, Entity], set[str]]:
    """The named subjects of a snapshot, and the texts of its other top-level blank nodes."""
    triples = snap.all_triples()
    writer = TurtleWriter(triples)
    po = writer.po

    def text(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
        if isinstance(term, ox.NamedNode):
            return f"`{compact_iri(term.value)}`"
        return "`" + _one_line(writer.term(term, "")) + "`"

    pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    anonymous: set[str] = set()
    for subject, preds in po.items():
        if isinstance(subject, ox.BlankNode):
            types = {t.value for t in preds.get(RDF_TYPE, []) if isinstance(t, ox.NamedNode)}
            if OWL_AXIOM in types:
                src = preds.get(iris.OWL + "annotatedSource", [])
                prop = preds.get(iris.OWL + "annotatedProperty", [])
                target = preds.get(iris.OWL + "annotatedTarget", [])
                if len(src) == 1 and isinstance(src[0], ox.NamedNode) and prop and target:
                    fact = f"{compact_iri(prop[0].value)} {_one_line(writer.term(target[0], ''))}"
                    for p, objs in preds.items():
                        if p in (RDF_TYPE, iris.OWL + "annotatedSource", iris.OWL + "annotatedProperty",
                                 iris.OWL + "annotatedTarget"):
                            continue
                        for o in objs:
                            pairs[src[0].value].add((f"{compact_iri(p)} of `{fact}`", text(o)))
                    continue
            if writer.refs.get(subject, 0) == 0:
                anonymous.add(_one_line(writer.block(subject)))
            continue
        for p, objs in preds.items():
            for o in objs:
                pairs[subject.value].add((compact_iri(p) if p != RDF_TYPE else "a", text(o)))
    out: dict[str, Entity] = {}
    for iri, ps in pairs.items():
        types = {o.value for o in po.get(ox.NamedNode(iri), {}).get(RDF_TYPE, [])
                 if isinstance(o, ox.NamedNode)}
        if types & _CLASS_TYPES:
            category, kind = "class", "class"
        elif types & _PROPERTY_TYPES:
            category, kind = "property", "property"
        else:
            split = iris.split_individual(iri)
            category, kind = "individual", split[0] if split else "other"
        out[iri] = Entity(iri, category, kind, _label(po.get(ox.NamedNode(iri), {})), ps)
    return out, anonymous


def _label(preds: dict[str, list]) -> str:
    for p in _LABELS:
        values = [o for o in preds.get(p, []) if isinstance(o, ox.Literal)]
        for lang in ("en", "", "fr"):
            for v in values:
                if (v.language or "") == lang:
                    return v.value
    return ""


# ---------------------------------------------------------------------------
# Inferences
# ---------------------------------------------------------------------------


@dataclass
class Inferences:
    triples: set[tuple[str, str, str]] = field(default_factory=set)
    error: str | None = None


def infer(snap: Snapshot) -> Inferences:
    """What HermiT infers from a snapshot (or why it could not)."""
    from skillkg.reasoning import InconsistencyError, ReasoningError
    from skillkg.reasoning import infer as run_hermit
    from skillkg.store import Store

    store = Store.memory()
    for rel, triples in snap.triples.items():
        store.replace_graph(iris.graph("diff/" + rel.replace("/", "-").removesuffix(".ttl")), triples)
    try:
        inferred = run_hermit(store)
    except InconsistencyError:
        return Inferences(error="the ontology is inconsistent at this revision (`skillkg validate` "
                          "names the file)")
    except ReasoningError as exc:
        return Inferences(error=f"the reasoner could not run: {exc}")
    asserted = {(t.subject.value, t.predicate.value, t.object.value) for t in snap.all_triples()
                if isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.NamedNode)}
    return Inferences({(t.subject.value, t.predicate.value, t.object.value) for t in inferred} - asserted)


# ---------------------------------------------------------------------------
# The diff
# ---------------------------------------------------------------------------


@dataclass
class SemanticDiff:
    """The semantic difference between two snapshots of ``ontology/``."""

    base: str
    head: str
    files: list[tuple[str, str, int | None, int | None]]  # path, change, triples before, after
    added: list[Entity]
    removed: list[Entity]
    changed: list[tuple[Entity, set[tuple[str, str]], set[tuple[str, str]]]]  # entity, +pairs, -pairs
    anonymous_added: list[str]
    anonymous_removed: list[str]
    unreadable: list[tuple[str, str, str]]  # revision, path, error
    inferred_added: list[tuple[str, str, str]] | None = None
    inferred_removed: list[tuple[str, str, str]] | None = None
    reasoner_notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.files or self.added or self.removed or self.changed
                    or self.inferred_added or self.inferred_removed)

    def to_markdown(self) -> str:
        return _markdown(self)


def diff_snapshots(base: Snapshot, head: Snapshot, reason: bool = True) -> SemanticDiff:
    """Compare two snapshots; with ``reason``, also what HermiT infers from each."""
    files = []
    for rel in sorted(set(base.files) | set(head.files)):
        before, after = base.files.get(rel), head.files.get(rel)
        if before == after:
            continue
        change = "added" if before is None else "removed" if after is None else "modified"
        n_before = len(base.triples[rel]) if rel in base.triples else None
        n_after = len(head.triples[rel]) if rel in head.triples else None
        files.append((rel, change, n_before, n_after))
    old, old_anon = entities(base)
    new, new_anon = entities(head)
    added = sorted((new[i] for i in set(new) - set(old)), key=lambda e: e.iri)
    removed = sorted((old[i] for i in set(old) - set(new)), key=lambda e: e.iri)
    changed = []
    for iri in sorted(set(old) & set(new)):
        plus, minus = new[iri].pairs - old[iri].pairs, old[iri].pairs - new[iri].pairs
        if plus or minus:
            changed.append((new[iri], plus, minus))
    unreadable = [(s.label, rel, err) for s in (base, head) for rel, err in sorted(s.unreadable.items())]
    result = SemanticDiff(base.label, head.label, files, added, removed, changed,
                          sorted(new_anon - old_anon), sorted(old_anon - new_anon), unreadable)
    if reason:
        before, after = infer(base), infer(head)
        for label, inf in ((base.label, before), (head.label, after)):
            if inf.error:
                result.reasoner_notes.append(f"{label}: {inf.error}")
        if not before.error and not after.error:
            result.inferred_added = sorted(after.triples - before.triples)
            result.inferred_removed = sorted(before.triples - after.triples)
    return result


def diff_revisions(repo: Path, base: str, head: str | None = None, reason: bool = True) -> SemanticDiff:
    """Semantic diff of ``ontology/`` between git revision ``base`` and ``head`` (default: working tree)."""
    return diff_snapshots(load_snapshot(repo, base), load_snapshot(repo, head), reason=reason)


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------

_SECTIONS = (("class", "Classes"), ("property", "Properties"), ("individual", "Individuals"))
#: Kinds of individual a reviewer looks at first: the curated records and what they cite.
_KIND_ORDER = ["partnership", "agreement", "organisation", "participation", "source"]


def _name(e: Entity) -> str:
    return f"`{compact_iri(e.iri)}`" + (f" — {e.label}" if e.label else "")


def _count(items: list, what: str) -> str:
    return f"{len(items)} {what}" if items else ""


def _markdown(d: SemanticDiff) -> str:
    lines = [f"## Ontology changes: `{d.base}` → `{d.head}`", ""]
    if d.empty:
        lines.append("No change to `ontology/`.")
        return "\n".join(lines) + "\n"
    summary = []
    for category, title in _SECTIONS:
        a = [e for e in d.added if e.category == category]
        r = [e for e in d.removed if e.category == category]
        c = [x for x in d.changed if x[0].category == category]
        if a or r or c:
            summary.append(f"{title.lower()}: {len(a)} added, {len(r)} removed, {len(c)} changed")
    if d.inferred_added is not None:
        newly = [t for t in d.inferred_added if t[1] == RDF_TYPE and t[2] == _SMP]
        lost = [t for t in d.inferred_removed or [] if t[1] == RDF_TYPE and t[2] == _SMP]
        summary.append(f"reasoner: {len(newly)} newly classified as SMP, {len(lost)} no longer; "
                       f"{len(d.inferred_added)} inferences added, {len(d.inferred_removed or [])} removed")
    records = [e for e in d.added if e.kind in ("partnership", "agreement")]
    if records:
        summary.insert(0, f"records added: {len(records)}")
    lines.append("**Summary** — " + f"{len(d.files)} files changed; " + "; ".join(summary) + ".")
    lines.append("")
    for rev, rel, err in d.unreadable:
        lines.append(f"> ⚠️ `{rel}` does not parse at {rev} and was left out: {err}")
    if d.unreadable:
        lines.append("")
    lines += ["### Files", "", "| file | change | triples before | triples after |", "|---|---|---:|---:|"]
    for rel, change, before, after in d.files:
        lines.append(f"| `ontology/{rel}` | {change} | {'' if before is None else before} | "
                     f"{'' if after is None else after} |")
    lines.append("")
    for category, title in _SECTIONS:
        a = [e for e in d.added if e.category == category]
        r = [e for e in d.removed if e.category == category]
        c = [x for x in d.changed if x[0].category == category]
        if not (a or r or c):
            continue
        lines += [f"### {title}", ""]
        if category == "individual":
            kinds = sorted({e.kind for e in a + r} | {x[0].kind for x in c},
                           key=lambda k: (_KIND_ORDER.index(k) if k in _KIND_ORDER else len(_KIND_ORDER), k))
            for kind in kinds:
                ka = [e for e in a if e.kind == kind]
                kr = [e for e in r if e.kind == kind]
                kc = [x for x in c if x[0].kind == kind]
                lines += [f"#### {kind}: {len(ka)} added, {len(kr)} removed, {len(kc)} changed", ""]
                lines += _collapsed(_entity_lines(ka, kr, kc), len(ka) + len(kr) + len(kc))
        else:
            lines += _collapsed(_entity_lines(a, r, c), len(a) + len(r) + len(c))
    if d.anonymous_added or d.anonymous_removed:
        lines += ["### Anonymous axioms", ""]
        lines += [f"- added: `{t}`" for t in d.anonymous_added]
        lines += [f"- removed: `{t}`" for t in d.anonymous_removed]
        lines.append("")
    lines += _inference_lines(d)
    return "\n".join(lines).rstrip() + "\n"


#: Lists longer than this are folded in a <details> block (GitHub renders it collapsed).
FOLD_AFTER = 15


def _collapsed(lines: list[str], items: int) -> list[str]:
    if items <= FOLD_AFTER:
        return lines
    return ["<details><summary>show all</summary>", "", *lines, "</details>", ""]


def _entity_lines(added: list[Entity], removed: list[Entity],
                  changed: list[tuple[Entity, set, set]]) -> list[str]:
    lines = []
    for e in added:
        facts = len([p for p in e.pairs if not p[0].startswith(("dcterms:source of", "skg:citation of"))])
        lines.append(f"- ➕ added {_name(e)} ({facts} statements)")
    for e in removed:
        lines.append(f"- ➖ removed {_name(e)}")
    for e, plus, minus in changed:
        lines.append(f"- ✏️ changed {_name(e)}")
        by_predicate: dict[str, list[str]] = defaultdict(list)
        for p, o in sorted(minus):
            by_predicate[p].append(f"− {o}")
        for p, o in sorted(plus):
            by_predicate[p].append(f"+ {o}")
        for p in sorted(by_predicate):
            lines.append(f"  - {p}: " + ", ".join(by_predicate[p]))
    lines.append("")
    return lines


def _triple_text(t: tuple[str, str, str]) -> str:
    p = "a" if t[1] == RDF_TYPE else compact_iri(t[1])
    return f"`{compact_iri(t[0])}` {p} `{compact_iri(t[2])}`"


def _inference_lines(d: SemanticDiff) -> list[str]:
    lines = ["### What the reasoner infers (HermiT)", ""]
    lines += [f"> ⚠️ {note}" for note in d.reasoner_notes]
    if d.inferred_added is None:
        if not d.reasoner_notes:
            lines.append("Not computed (run without `--no-reason`).")
        return lines + [""]
    added, removed = d.inferred_added, d.inferred_removed or []
    newly = [t for t in added if t[1] == RDF_TYPE and t[2] == _SMP]
    lost = [t for t in removed if t[1] == RDF_TYPE and t[2] == _SMP]
    if not added and not removed:
        return lines + ["No change in what the reasoner infers.", ""]
    if newly:
        lines.append("Newly classified as skills mobility partnerships (all five features of S/25/5 §7):")
        lines += [f"- `{compact_iri(t[0])}`" for t in newly]
        lines.append("")
    if lost:
        lines.append("No longer classified as skills mobility partnerships:")
        lines += [f"- `{compact_iri(t[0])}`" for t in lost]
        lines.append("")
    rest_added = [t for t in added if t not in newly]
    rest_removed = [t for t in removed if t not in lost]
    if not (rest_added or rest_removed):
        return lines
    per_predicate: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in rest_added:
        per_predicate["a" if t[1] == RDF_TYPE else compact_iri(t[1])][0] += 1
    for t in rest_removed:
        per_predicate["a" if t[1] == RDF_TYPE else compact_iri(t[1])][1] += 1
    lines += ["Other inferences, by property:", "", "| property | added | removed |", "|---|---:|---:|"]
    lines += [f"| {p} | {n[0]} | {n[1]} |" for p, n in sorted(per_predicate.items())]
    lines.append("")
    listed = [f"- + {_triple_text(t)}" for t in rest_added[:MAX_LISTED]]
    listed += [f"- − {_triple_text(t)}" for t in rest_removed[:MAX_LISTED]]
    hidden = max(0, len(rest_added) - MAX_LISTED) + max(0, len(rest_removed) - MAX_LISTED)
    if hidden:
        listed.append(f"- … and {hidden} more")
    lines += _collapsed([*listed, ""], len(listed))
    return lines
