"""The ingest pipeline: source files → passages, mentions and provenance in the store.

:func:`ingest_paths` takes files and folders (``ingest/sources/``), and for
each source file:

1. reads it (:mod:`skillkg.ingest.readers`: text, PDF, HTML) and its metadata
   file (``name.yaml`` beside ``name.fr.txt``: key, title, publisher, date,
   language, reference, URL, licence — only what could be confirmed);
2. cleans it into passages (:mod:`skillkg.ingest.cleaning`);
3. links each passage to the graph's concepts with the shared language module
   (:mod:`skillkg.language`);
4. writes one named graph per document, ``graph/documents/{key}``: a
   ``skg:PolicyDocument``, one ``skg:Passage`` per paragraph or footnote
   (``passage/{key}/7``, ``passage/{key}/fn1``) with its text, language,
   number, order and ``skg:mentions``, and PROV-O provenance: the passages
   ``prov:wasDerivedFrom`` the source file (``urn:sha256:…``) and
   ``prov:wasGeneratedBy`` an activity associated with the pipeline and its
   version.

The output is a pure function of the file, its metadata, the pipeline version
and the graph's labels (no timestamps, no blank nodes), so re-ingesting an
unchanged document changes nothing; a changed one replaces its graph, and so
all its passages, in one step.  A file that cannot be read, is empty, binary or
wrongly encoded, or whose metadata is malformed, is reported in
:attr:`IngestResult.errors` with its name, and nothing of it is written; the
rest of the batch goes on.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import yaml
from skillkg.ingest.cleaning import FOOTNOTE, NUMBERED, CleanDocument, clean
from skillkg.ingest.readers import SUPPORTED_SUFFIXES, RawDocument, ReadError, read

from skillkg import __version__, iris
from skillkg.progress import Reporter, Silent

#: The name and version the provenance records for this pipeline.
PIPELINE_NAME = "skillkg-ingest"
PIPELINE_VERSION = __version__

#: Where documents go: one named graph per document under this prefix (reasoning skips it).
DOCUMENTS_GRAPH_PREFIX = iris.GRAPH + "documents/"
#: The graph describing the pipeline itself (once, not in every document's graph).
AGENT_GRAPH = iris.graph(f"documents/{PIPELINE_NAME}")

METADATA_SUFFIXES = (".yaml", ".yml")
_METADATA_FIELDS = {
    "key": "the document's key in IRIs (document/{key}, passage/{key}/7)",
    "title": "the document's title",
    "publisher": "who published it",
    "date": "when it was issued (YYYY, YYYY-MM or YYYY-MM-DD)",
    "language": "the language of the text: en or fr",
    "reference": "the document's reference or symbol (S/25/5, A/RES/73/195)",
    "citation": "the short form used in passage citations (default: reference)",
    "url": "where the source was retrieved",
    "licence": "the licence or terms of use",
    "encoding": "the text encoding of the file (default utf-8)",
    "furniture": "extra running header or footer lines to drop, as a list",
    "notes": "anything else a reader should know about the source",
    "retrieved": "the date the source was retrieved",
}

_RDF_TYPE = ox.NamedNode(iris.RDF + "type")
_XSD_INT = ox.NamedNode(iris.XSD + "integer")


class IngestError(ValueError):
    """One source could not be ingested; the message names the file and what to do."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = str(path)
        text = message if message.startswith(str(path)) else f"{path}: {message}"
        super().__init__(text)


@dataclass(frozen=True)
class SourceMeta:
    """What the metadata file says about a source (only what could be confirmed)."""

    key: str
    language: str
    title: str = ""
    publisher: str = ""
    date: str = ""
    reference: str = ""
    citation: str = ""
    url: str = ""
    licence: str = ""
    encoding: str = "utf-8"
    furniture: tuple[str, ...] = ()
    notes: str = ""
    retrieved: str = ""
    metadata_file: str = ""


@dataclass
class DocumentResult:
    """What ingesting one source did."""

    path: str
    key: str
    iri: str
    graph: str
    status: str  # "added", "replaced", "unchanged" or "checked" (dry run)
    passages: int
    numbered: int
    footnotes: int
    mentions: Counter[str] = field(default_factory=Counter)  # by kind
    candidates: Counter[str] = field(default_factory=Counter)  # unlinked, by text
    repairs: Counter[str] = field(default_factory=Counter)
    triples: int = 0


@dataclass
class IngestResult:
    """What :func:`ingest_paths` did: per-document results, errors and skipped files."""

    results: list[DocumentResult] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return len(self.results)

    @property
    def passages(self) -> int:
        return sum(r.passages for r in self.results)

    @property
    def mentions_by_kind(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for r in self.results:
            total.update(r.mentions)
        return total

    @property
    def candidates(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for r in self.results:
            total.update(r.candidates)
        return total

    @property
    def ok(self) -> bool:
        return not self.errors


# -- sources and metadata -----------------------------------------------------------------


def metadata_path(source: Path) -> Path | None:
    """The metadata file of ``source``: ``name.yaml`` (or ``.yml``) beside ``name.fr.txt``."""
    for suffix in METADATA_SUFFIXES:
        for candidate in (source.with_suffix(suffix), source.with_name(source.name + suffix)):
            if candidate.is_file():
                return candidate
    return None


def _language_from_name(path: Path) -> str | None:
    for part in path.name.lower().split(".")[1:-1]:
        if part in ("en", "fr"):
            return part
    return None


def _guess_language(text: str) -> str:
    """``fr`` or ``en`` by counting function words (used only when nothing says which)."""
    words = re.findall(r"[a-zàâçéèêëîïôûùüÿœ']+", text[:20000].lower())
    fr = sum(w in {"le", "la", "les", "des", "et", "une", "du", "pour", "dans", "qui", "est"}
             for w in words)
    en = sum(w in {"the", "and", "of", "to", "for", "in", "is", "that", "with", "on"}
             for w in words)
    return "fr" if fr > en else "en"


def load_metadata(source: Path, text: str | None = None) -> SourceMeta:
    """Read the metadata file of ``source``; derive key and language when there is none."""
    meta_file = metadata_path(source)
    data: dict[str, object] = {}
    if meta_file is not None:
        try:
            loaded = yaml.safe_load(meta_file.read_text(encoding="utf-8"))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f" (line {mark.line + 1})" if mark is not None else ""
            raise IngestError(meta_file, f"is not valid YAML{where}: {exc.problem}") from exc
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise IngestError(meta_file, f"cannot be read: {exc}") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise IngestError(meta_file, "must be a YAML mapping of fields "
                                         f"({', '.join(_METADATA_FIELDS)})")
        unknown = sorted(set(loaded) - set(_METADATA_FIELDS))
        if unknown:
            raise IngestError(meta_file, f"unknown field(s) {', '.join(map(str, unknown))}; "
                                         f"known fields: {', '.join(_METADATA_FIELDS)}")
        data = loaded

    def text_field(name: str) -> str:
        value = data.get(name)
        if value is None:
            return ""
        if isinstance(value, bool | list | dict):
            raise IngestError(meta_file or source, f"field {name!r} must be text, not {value!r}")
        return str(value).strip()

    stem = source.name.split(".")[0]
    key = text_field("key") or iris.slugify(stem)
    if key == PIPELINE_NAME:
        raise IngestError(meta_file or source, f"the key {key!r} is reserved; set another `key:`")
    try:
        iris.individual("document", key)
    except iris.IRIError as exc:
        raise IngestError(meta_file or source, f"field 'key': {exc}") from exc
    language = text_field("language") or _language_from_name(source) or (
        _guess_language(text) if text else "")
    if language and language not in ("en", "fr"):
        raise IngestError(meta_file or source,
                          f"language {language!r} is not supported; set `language: en` or `fr`")
    furniture = data.get("furniture") or []
    if not isinstance(furniture, list) or not all(isinstance(x, str) for x in furniture):
        raise IngestError(meta_file or source, "field 'furniture' must be a list of lines")
    return SourceMeta(
        key=key, language=language, title=text_field("title"), publisher=text_field("publisher"),
        date=text_field("date"), reference=text_field("reference"),
        citation=text_field("citation") or text_field("reference"), url=text_field("url"),
        licence=text_field("licence"), encoding=text_field("encoding") or "utf-8",
        furniture=tuple(x.strip() for x in furniture), notes=text_field("notes"),
        retrieved=text_field("retrieved"), metadata_file=str(meta_file or ""),
    )


def discover_sources(paths: Iterable[Path]) -> tuple[list[Path], list[IngestError], list[str]]:
    """Source files under ``paths``: ``(files, errors, skipped)``.

    A file named explicitly must be a supported source; in a folder, metadata
    files, README files and hidden files are passed over silently and other
    unsupported files are listed in ``skipped``.
    """
    files: list[Path] = []
    errors: list[IngestError] = []
    skipped: list[str] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.name.startswith(".") or child.is_dir():
                    continue
                suffix = child.suffix.lower()
                if suffix in METADATA_SUFFIXES or child.stem.upper() in ("README", "LICENSE"):
                    continue
                if suffix in SUPPORTED_SUFFIXES:
                    files.append(child)
                else:
                    skipped.append(f"{child}: not a supported format ({', '.join(SUPPORTED_SUFFIXES)})")
        elif path.exists():
            files.append(path)
        else:
            errors.append(IngestError(path, "no such file or folder; check the path"))
    return files, errors, skipped


# -- one document -------------------------------------------------------------------------


@dataclass
class ParsedDocument:
    """A source read, cleaned and linked, ready to be written."""

    path: Path
    meta: SourceMeta
    raw: RawDocument
    clean: CleanDocument
    mentions: dict[str, list[str]]  # passage key → IRIs it mentions, sorted
    mention_kinds: Counter[str]
    candidates: Counter[str]


def parse_document(path: Path, store: object) -> ParsedDocument:
    """Read, clean and link one source file (nothing is written)."""
    from skillkg import language

    meta = load_metadata(path)
    try:
        raw = read(path, meta.encoding)
    except ReadError as exc:
        raise IngestError(path, str(exc)) from exc
    if not meta.language:
        meta = load_metadata(path, raw.text)
    text = raw.text
    if meta.furniture:
        drop = set(meta.furniture)
        text = "\n".join(line for line in text.split("\n") if line.strip() not in drop)
    cleaned = clean(text, meta.language)
    if not cleaned.passages:
        raise IngestError(path, "no paragraphs found after cleaning; is this the right file?")
    mentions: dict[str, list[str]] = {}
    kinds: Counter[str] = Counter()
    candidates: Counter[str] = Counter()
    for passage in cleaned.passages:
        analysis = language.analyse(passage.text, meta.language, store=store)  # type: ignore[arg-type]
        found = sorted({m.iri for m in analysis.mentions})
        mentions[passage.key] = found
        for iri in found:
            kinds[(iris.split_individual(iri) or ("other", ""))[0]] += 1
        candidates.update(c.text for c in analysis.candidates)
    return ParsedDocument(path, meta, raw, cleaned, mentions, kinds, candidates)


def document_iri(key: str) -> str:
    return iris.individual("document", key)


def document_graph(key: str) -> str:
    """The named graph holding document ``key`` and its passages."""
    return iris.graph(f"documents/{key}")


def passage_iri(key: str, passage_key: str) -> str:
    return iris.individual("passage", f"{key}/{passage_key}")


def _lit(value: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def _date_literal(value: str) -> ox.Literal:
    for pattern, dtype in ((r"\d{4}", "gYear"), (r"\d{4}-\d{2}", "gYearMonth"),
                           (r"\d{4}-\d{2}-\d{2}", "date")):
        if re.fullmatch(pattern, value):
            return ox.Literal(value, datatype=ox.NamedNode(iris.XSD + dtype))
    return ox.Literal(value)


def _url_or_literal(value: str) -> ox.NamedNode | ox.Literal:
    return ox.NamedNode(value) if re.match(r"https?://\S+$", value) else ox.Literal(value)


def document_triples(doc: ParsedDocument) -> list[ox.Triple]:
    """The RDF of one parsed document: document, passages, mentions, provenance."""
    meta, raw = doc.meta, doc.raw
    lang = meta.language
    n = ox.NamedNode
    skg, dct, prov = iris.skg, iris.DCTERMS, iris.PROV
    d = n(document_iri(meta.key))
    source_file = n(f"urn:sha256:{raw.sha256}")
    agent = n(pipeline_agent())
    activity = n(iris.individual("pipeline", f"ingest-{meta.key}-{raw.sha256[:12]}"))
    t: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        t.append(ox.Triple(s, n(p), o))

    # the document
    t.append(ox.Triple(d, _RDF_TYPE, n(skg("PolicyDocument"))))
    title = meta.title or doc.clean.title or raw.title
    if title:
        add(d, dct + "title", _lit(title, lang))
    if meta.publisher:
        add(d, dct + "publisher", _lit(meta.publisher, lang))
    if meta.date:
        add(d, dct + "issued", _date_literal(meta.date))
    add(d, dct + "language", _lit(lang))
    if meta.reference:
        add(d, dct + "identifier", _lit(meta.reference))
    if meta.url:
        add(d, skg("url"), ox.Literal(meta.url, datatype=n(iris.XSD + "anyURI")))
    if meta.licence:
        add(d, dct + "license", _url_or_literal(meta.licence))
    add(d, prov + "wasDerivedFrom", source_file)
    add(d, prov + "wasGeneratedBy", activity)

    # the source file, the run and the pipeline
    t.append(ox.Triple(source_file, _RDF_TYPE, n(prov + "Entity")))
    add(source_file, iris.RDFS + "label", _lit(raw.path.name))
    add(source_file, dct + "format", _lit({"text": "text/plain", "pdf": "application/pdf",
                                           "html": "text/html"}[raw.format]))
    if meta.url:
        add(source_file, dct + "source", ox.Literal(meta.url, datatype=n(iris.XSD + "anyURI")))
    t.append(ox.Triple(activity, _RDF_TYPE, n(prov + "Activity")))
    add(activity, iris.RDFS + "label", _lit(f"{PIPELINE_NAME} {PIPELINE_VERSION} on {raw.path.name}", "en"))
    add(activity, prov + "used", source_file)
    add(activity, prov + "wasAssociatedWith", agent)
    add(activity, dct + "description", _lit(_pipeline_description(lang), "en"))

    # the passages
    citation = meta.citation or meta.key
    for p in doc.clean.passages:
        s = n(passage_iri(meta.key, p.key))
        t.append(ox.Triple(s, _RDF_TYPE, n(skg("Passage"))))
        add(s, skg("inDocument"), d)
        add(s, skg("order"), ox.Literal(str(p.order), datatype=_XSD_INT))
        if p.kind == NUMBERED and p.number is not None:
            add(s, skg("paragraphNumber"), ox.Literal(str(p.number), datatype=_XSD_INT))
            add(s, skg("citation"), _lit(f"{citation} §{p.number}"))
        elif p.kind == FOOTNOTE:
            add(s, skg("citation"), _lit(f"{citation} note {p.number}"))
        else:
            add(s, skg("citation"), _lit(f"{citation} ¶{p.key[1:]}"))
        add(s, skg("passageKind"), _lit(p.kind))
        add(s, skg("text"), _lit(p.text, lang))
        for note in p.footnotes:
            add(s, iris.RDFS + "seeAlso", n(passage_iri(meta.key, f"fn{note}")))
        for concept in doc.mentions.get(p.key, []):
            add(s, skg("mentions"), n(concept))
        add(s, prov + "wasDerivedFrom", source_file)
        add(s, prov + "wasGeneratedBy", activity)
    return t


def pipeline_agent() -> str:
    """The IRI of this pipeline and version as a ``prov:SoftwareAgent``."""
    return iris.individual("pipeline", f"{PIPELINE_NAME}-{PIPELINE_VERSION}")


def agent_triples() -> list[ox.Triple]:
    """The pipeline as a software agent, kept in its own graph (:data:`AGENT_GRAPH`)."""
    agent = ox.NamedNode(pipeline_agent())
    return [
        ox.Triple(agent, _RDF_TYPE, ox.NamedNode(iris.PROV + "SoftwareAgent")),
        ox.Triple(agent, ox.NamedNode(iris.RDFS + "label"),
                  _lit(f"skillkg ingest pipeline {PIPELINE_VERSION}", "en")),
        ox.Triple(agent, ox.NamedNode(iris.OWL + "versionInfo"), _lit(PIPELINE_VERSION)),
    ]


def _pipeline_description(lang: str) -> str:
    import spacy

    from skillkg import language

    return (f"readers (text, PDF, HTML), rule-based cleaning and OCR repair ({lang}), "
            f"spaCy {spacy.__version__} EntityRuler over the graph's labels; "
            f"{lang} pipeline: {language.model_name(lang)}")


def _existing(store: object, graph: str) -> set[str] | None:
    """The triples of ``graph`` as N-Triples lines, or ``None`` if it does not exist."""
    if graph not in store.graphs():  # type: ignore[attr-defined]
        return None
    result = store.construct(  # type: ignore[attr-defined]
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": ox.NamedNode(graph)}
    )
    return {str(tr) for tr in result}


def write_document(doc: ParsedDocument, store: object) -> tuple[str, int]:
    """Write ``doc``'s graph unless it is already there unchanged: ``(status, triples)``."""
    agent = agent_triples()
    if _existing(store, AGENT_GRAPH) != {str(tr) for tr in agent}:
        store.replace_graph(AGENT_GRAPH, agent)  # type: ignore[attr-defined]
    triples = document_triples(doc)
    graph = document_graph(doc.meta.key)
    before = _existing(store, graph)
    if before is not None and before == {str(tr) for tr in triples}:
        return "unchanged", len(triples)
    store.replace_graph(graph, triples)  # type: ignore[attr-defined]
    return ("added" if before is None else "replaced"), len(triples)


def ingest_file(path: Path, store: object, *, dry_run: bool = False) -> DocumentResult:
    """Ingest one source file into ``store`` (or only check it, with ``dry_run``)."""
    doc = parse_document(path, store)
    if dry_run:
        status, n_triples = "checked", len(document_triples(doc))
    else:
        status, n_triples = write_document(doc, store)
    passages = doc.clean.passages
    return DocumentResult(
        path=str(path), key=doc.meta.key, iri=document_iri(doc.meta.key),
        graph=document_graph(doc.meta.key), status=status, passages=len(passages),
        numbered=sum(p.kind == NUMBERED for p in passages),
        footnotes=sum(p.kind == FOOTNOTE for p in passages),
        mentions=doc.mention_kinds, candidates=doc.candidates, repairs=doc.clean.repairs,
        triples=n_triples,
    )


def ingest_paths(paths: Sequence[Path | str], store: object, progress: Reporter | None = None,
                 *, dry_run: bool = False) -> IngestResult:
    """Ingest every source under ``paths`` into ``store``; a bad file never stops the batch.

    Each document is read, cleaned and linked completely before its graph is
    written, so a failing file leaves the store as it was.  Two sources with
    the same key are an error for the second one.
    """
    ui = progress or Silent()
    files, errors, skipped = discover_sources(Path(p) for p in paths)
    result = IngestResult(errors=list(errors), skipped=skipped)
    for message in skipped:
        ui.note(f"skipped {message}")
    ui.stage("ingest documents", total=len(files))
    keys: dict[str, str] = {}
    for path in files:
        try:
            meta = load_metadata(path)
            if meta.key in keys:
                raise IngestError(path, f"has the same key {meta.key!r} as {keys[meta.key]}; "
                                        "set a different `key:` in its metadata file")
            doc_result = ingest_file(path, store, dry_run=dry_run)
            keys[doc_result.key] = str(path)
            result.results.append(doc_result)
        except IngestError as exc:
            result.errors.append(exc)
        ui.advance(path.name)
    return result


# -- summaries ----------------------------------------------------------------------------


def summary_json(result: IngestResult) -> dict[str, object]:
    """The summary of a run as plain data (``skillkg ingest --json``)."""
    return {
        "documents": [
            {"path": r.path, "key": r.key, "iri": r.iri, "graph": r.graph, "status": r.status,
             "passages": r.passages, "numbered": r.numbered, "footnotes": r.footnotes,
             "triples": r.triples, "mentions": dict(sorted(r.mentions.items())),
             "unlinked_candidates": dict(r.candidates.most_common()),
             "repairs": dict(sorted(r.repairs.items()))}
            for r in result.results
        ],
        "passages": result.passages,
        "mentions_by_kind": dict(sorted(result.mentions_by_kind.items())),
        "unlinked_candidates": dict(result.candidates.most_common()),
        "errors": [str(e) for e in result.errors],
        "skipped": result.skipped,
    }


def render_summary(result: IngestResult, console: object, top: int = 15) -> None:
    """Print what a run did: documents, passages, mentions by kind, unlinked candidates, errors."""
    from rich.table import Table

    docs = Table(title="ingested documents")
    for col in ("document", "status", "passages", "numbered", "footnotes", "mentions", "OCR repairs"):
        docs.add_column(col, justify="left" if col in ("document", "status") else "right")
    for r in result.results:
        docs.add_row(r.key, r.status, str(r.passages), str(r.numbered), str(r.footnotes),
                     str(sum(r.mentions.values())), str(sum(r.repairs.values())))
    console.print(docs)  # type: ignore[attr-defined]
    kinds = Table(title="mentions by kind")
    kinds.add_column("kind")
    kinds.add_column("mentions", justify="right")
    for kind, n in sorted(result.mentions_by_kind.items(), key=lambda kv: (-kv[1], kv[0])):
        kinds.add_row(kind, str(n))
    console.print(kinds)  # type: ignore[attr-defined]
    if result.candidates:
        cands = Table(title=f"candidate entities left unlinked (top {top})")
        cands.add_column("text")
        cands.add_column("times", justify="right")
        for text, n in result.candidates.most_common(top):
            cands.add_row(text, str(n))
        console.print(cands)  # type: ignore[attr-defined]
    console.print(  # type: ignore[attr-defined]
        f"{result.documents} documents, {result.passages} passages, "
        f"{sum(result.mentions_by_kind.values())} mentions; "
        f"{len(result.errors)} errors, {len(result.skipped)} files skipped"
    )
    for message in result.skipped:
        console.print(f"[yellow]skipped[/] {message}")  # type: ignore[attr-defined]
    for error in result.errors:
        console.print(f"[bold red]error:[/] {error}")  # type: ignore[attr-defined]
