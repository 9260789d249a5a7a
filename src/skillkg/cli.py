"""The ``skillkg`` command line: build, query, search, validate and serve the graph."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skillkg import config
from skillkg.store import QuerySyntaxError, SelectResult, Store, StoreError

app = typer.Typer(
    help="skillkg: knowledge graph and semantic search over skills mobility partnerships.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


class RichReporter:
    """Shows build progress as rich progress bars, one per stage."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: int | None = None

    def stage(self, name: str, total: int | None = None) -> None:
        if self.task is not None:
            task = self.progress.tasks[self.task]
            if task.total is not None:
                self.progress.update(self.task, completed=task.total)
        self.task = self.progress.add_task(name, total=total)

    def advance(self, detail: str = "") -> None:
        if self.task is not None:
            self.progress.advance(self.task)

    def note(self, message: str) -> None:
        self.progress.console.print(f"[yellow]{message}[/]")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold blue]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error and return the exit to raise."""
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def open_store(location: str | None = None) -> Store:
    """Open the store named by ``location``, ``$SKILLKG_STORE`` or the current build."""
    loc = location or config.store_location()
    if "://" not in loc and loc != "memory:" and not Path(loc).exists():
        raise fail(f"no store at {loc}: run `skillkg build` first (or pass --store)")
    try:
        return Store.from_location(loc, read_only=True)
    except StoreError as exc:
        raise fail(str(exc)) from exc


@app.command()
def build(
    no_ingest: Annotated[bool, typer.Option(help="Skip ingesting ingest/sources/.")] = False,
    no_index: Annotated[bool, typer.Option(help="Skip building the search indexes.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the build report as JSON.")] = False,
) -> None:
    """Build the graph: load ontology/, ingest documents, reason, index; swap in atomically."""
    from skillkg.build import BuildError
    from skillkg.build import build as run_build
    from skillkg.reasoning import ReasoningError
    from skillkg.sources import SourceError

    paths = config.paths()
    try:
        with _progress() as progress:
            report = run_build(
                paths, RichReporter(progress), ingest_documents=not no_ingest,
                build_index=not no_index,
            )
    except SourceError as exc:
        raise fail(f"{exc}\nThe previous build is unchanged.") from exc
    except (ReasoningError, BuildError) as exc:
        raise fail(f"{exc}\nThe previous build is unchanged.") from exc
    if json_out:
        console.print_json(report.to_json())
        return
    table = Table(title=f"skillkg build → {paths.current}", show_lines=False)
    table.add_column("named graph")
    table.add_column("triples", justify="right")
    for graph, n in report.graphs.items():
        table.add_row(graph.rsplit("/graph/", 1)[-1], f"{n:,}")
    table.add_row("[bold]total", f"[bold]{report.triples:,}")
    console.print(table)
    console.print(
        f"{report.files} source files, {report.documents} documents, {report.passages} passages; "
        f"{len(report.classified_smps)} partnerships classified as SMPs by HermiT; "
        + ", ".join(f"{k} {v:.1f}s" for k, v in report.stage_seconds.items())
    )


@app.command()
def sparql(
    query: Annotated[str, typer.Argument(help="A SPARQL query, or the path of a .rq file.")],
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="table, csv, tsv, json, xml; turtle, ntriples, jsonld"),
    ] = "table",
    store: Annotated[str | None, typer.Option(help="Store directory, memory: or endpoint URL.")] = None,
    limit: Annotated[int | None, typer.Option(help="Keep at most this many rows.")] = None,
) -> None:
    """Run a SPARQL query over the graph and print the result."""
    from skillkg.results import FormatError, compact, serialize

    text = query
    candidate = Path(query)
    if query.endswith(".rq") or (len(query) < 300 and candidate.is_file()):
        if not candidate.is_file():
            raise fail(f"no query file at {query}")
        text = candidate.read_text(encoding="utf-8")
    kg = open_store(store)
    try:
        result = kg.query(text, limit=limit)
    except QuerySyntaxError as exc:
        raise fail(f"the query is not valid SPARQL: {exc}") from exc
    if fmt == "table":
        if isinstance(result, SelectResult):
            table = Table(show_lines=False)
            for v in result.variables:
                table.add_column(v)
            for row in result.rows:
                table.add_row(*(compact(t) for t in row))
            console.print(table)
            err.print(f"{len(result.rows)} rows" + (" (truncated)" if result.truncated else ""))
            return
        fmt = "json" if result.kind == "ask" else "turtle"
    try:
        sys.stdout.write(serialize(result, fmt))
        sys.stdout.write("\n")
    except FormatError as exc:
        raise fail(str(exc), code=2) from exc


@app.command()
def info(store: Annotated[str | None, typer.Option(help="Store to describe.")] = None) -> None:
    """Show the current build: when it was made and how many triples each graph holds."""
    from skillkg.build import read_manifest

    kg = open_store(store)
    manifest = read_manifest(config.paths().current) if store is None else {}
    console.print_json(json.dumps({"store": kg.kind, "graphs": kg.counts(),
                                   "build": manifest.get("started")}))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Source files or folders (.txt, .pdf, .html).")],
    store: Annotated[str | None, typer.Option(
        help="Store to write to (default: the current build's store).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Read, clean and link only; write nothing.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Ingest policy documents: passages, mentions and provenance, one named graph per document."""
    from skillkg.ingest.pipeline import ingest_paths, render_summary, summary_json

    loc = store or config.store_location()
    if "://" not in loc and loc != "memory:" and not Path(loc).exists():
        raise fail(f"no store at {loc}: run `skillkg build` first (or pass --store)")
    try:
        target = Store.from_location(loc, read_only=dry_run)
    except StoreError as exc:
        raise fail(str(exc)) from exc
    with target, _progress() as progress:
        result = ingest_paths(paths, target, progress=RichReporter(progress), dry_run=dry_run)
    del target  # closed: let the store's lock go even if an error exit keeps this frame alive
    if json_out:
        console.print_json(json.dumps(summary_json(result)))
    else:
        render_summary(result, console)
    if result.errors:
        raise fail(f"{len(result.errors)} source(s) not ingested; the others and the rest of "
                   "the graph are unaffected")


@app.command()
def vocab(
    only: Annotated[list[str] | None, typer.Option(
        help="Vocabulary to regenerate (repeatable): isco08, gcm, sdg, isced, eqf, places, "
        "groupings.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: ontology/vocab).")] = None,
) -> None:
    """Regenerate the SKOS vocabularies of ontology/vocab/ from the reference data in ingest/data/."""
    from skillkg.formatting import FormatError
    from skillkg.ingest import vocabularies as v

    names = list(only) if only else list(v.VOCABULARIES)
    with _progress() as progress:
        task = progress.add_task("generate vocabularies", total=len(names))
        try:
            written = v.generate(out or v.DEFAULT_OUT_DIR, names=names,
                                 on_step=lambda name: progress.advance(task))
        except (v.VocabularyError, FormatError) as exc:
            raise fail(str(exc)) from exc
    table = Table("vocabulary", "triples", "file")
    for w in written:
        table.add_row(w.name, str(w.triples), f"{w.path}{'' if w.changed else ' (unchanged)'}")
    console.print(table)


def open_searcher(store: str | None = None):  # noqa: ANN201 - Searcher imported lazily
    """Load the search index of the current build beside its store."""
    from skillkg.index import SearchIndexError
    from skillkg.search import Searcher

    kg = open_store(store)
    try:
        return Searcher(kg, config.paths().index)
    except SearchIndexError as exc:
        raise fail(str(exc)) from exc


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="A question in English or French.")],
    k: Annotated[int, typer.Option("-k", help="How many results.")] = 10,
    type_: Annotated[str | None, typer.Option("--type", help="Only results of this kind.")] = None,
    mode: Annotated[str, typer.Option(help="hybrid+graph, hybrid, embedding or lexical.")] = (
        "hybrid+graph"
    ),
    json_out: Annotated[bool, typer.Option("--json", help="Print the response as JSON.")] = False,
) -> None:
    """Search the graph: linked constraints, embeddings and BM25, with explanations."""
    from skillkg.query import QueryError

    searcher = open_searcher()
    try:
        response = searcher.search(question, k=k, type=type_, mode=mode)
    except QueryError as exc:
        raise fail(str(exc), code=2) from exc
    if json_out:
        console.print_json(json.dumps(response.to_json(), ensure_ascii=False))
        return
    interp = response.interpretation
    understood = ", ".join(f"{link['text']} → {link['iri'].rsplit('/id/', 1)[-1]}"
                           for link in interp["links"]) or "no entity linked"
    console.print(f"[bold]{response.query}[/]  [dim]({interp['language']}, target "
                  f"{interp['target']}; {understood})[/]")
    if response.relaxed:
        console.print(f"[yellow]no result met every constraint; relaxed: "
                      f"{', '.join(response.relaxed)}[/]")
    table = Table(show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("result")
    table.add_column("kind")
    table.add_column("why")
    for i, r in enumerate(response.results, start=1):
        table.add_row(str(i), f"{r.label}\n[dim]{r.iri}[/]", r.kind,
                      "\n".join(w.detail for w in r.why[:5]))
    console.print(table)
    if response.sparql:
        err.print(f"[dim]answered in {response.took_ms:.0f} ms (a process's first question also "
                  "loads the language pipeline); the SPARQL it ran, to rerun with `skillkg sparql`:[/]")
        err.print(response.sparql, markup=False)


@app.command("eval")
def evaluate_search(
    gold: Annotated[Path | None, typer.Option(help="Gold file (YAML).")] = None,
    markdown: Annotated[bool, typer.Option(help="Print a Markdown table.")] = False,
) -> None:
    """Score search on the gold set: recall@5, MRR and nDCG@10 for each mode."""
    from skillkg.evaluation import evaluate, load_gold, markdown_table

    gold_path = gold or config.paths().root / "tests" / "eval" / "gold.yaml"
    questions = load_gold(gold_path)
    scores = evaluate(open_searcher(), questions)
    if markdown:
        console.print(markdown_table(scores, len(questions)), markup=False)
        return
    table = Table(title=f"search on {len(questions)} gold questions ({gold_path.name})")
    for col in ("mode", "recall@5", "MRR", "nDCG@10"):
        table.add_column(col, justify="left" if col == "mode" else "right")
    for s in scores:
        table.add_row(s.mode, f"{s.recall_at_5:.3f}", f"{s.mrr:.3f}", f"{s.ndcg_at_10:.3f}")
    console.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    build_dir: Annotated[Path | None, typer.Option(
        "--build", help="A build folder to serve (default: var/current).")] = None,
    time_limit: Annotated[float | None, typer.Option(
        help="Seconds a SPARQL query may run (default 30, or $SKILLKG_SPARQL_TIME_LIMIT).")] = None,
    row_limit: Annotated[int | None, typer.Option(
        help="Rows a SPARQL query may return (default 10000, or $SKILLKG_SPARQL_ROW_LIMIT).")] = None,
    workers: Annotated[int | None, typer.Option(
        help="SPARQL worker processes (default 2, or $SKILLKG_SPARQL_WORKERS).")] = None,
    allow_service: Annotated[list[str] | None, typer.Option(
        help="A SERVICE endpoint SPARQL queries may call (repeatable).")] = None,
) -> None:
    """Serve the graph over HTTP: the web page, /search, /sparql, /id/… pages and /ontology."""
    from skillkg.api.app import serve as run_server
    from skillkg.api.settings import SettingsError, settings_from_env

    try:
        settings = settings_from_env(
            build_dir, time_limit=time_limit, row_limit=row_limit, workers=workers,
            service_allow_list=tuple(allow_service) if allow_service else None)
    except SettingsError as exc:
        raise fail(str(exc)) from exc
    err.print(f"serving {settings.build_dir} on http://{host}:{port}/ (Ctrl-C to stop)")
    run_server(settings, host=host, port=port)


# -- contributions: validate, fmt, diff, new --------------------------------------------------


@app.command("validate")
def validate_command(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Turtle files or folders to validate (default: ontology/).")] = None,
    output: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    no_reason: Annotated[bool, typer.Option(
        "--no-reason", help="Skip the OWL consistency check (HermiT).")] = False,
    ontology: Annotated[Path | None, typer.Option(
        help="The ontology folder giving context (default: the one above PATHS).")] = None,
) -> None:
    """Check contributions: Turtle syntax, SHACL shapes, project rules, OWL consistency.

    Exits with 1 if any problem is an error (warnings and notes do not fail).
    """
    from rich.markup import escape

    from skillkg.validation import ValidationSetupError, format_text, validate

    if output not in ("text", "json"):
        raise fail(f"--format {output!r}: use text or json", code=2)
    try:
        report = validate(paths or None, ontology_dir=ontology, reason=not no_reason)
    except ValidationSetupError as exc:
        raise fail(str(exc), code=2) from exc
    if output == "json":
        sys.stdout.write(report.to_json() + "\n")
    else:
        colours = {"error": "bold red", "warning": "yellow", "info": "cyan"}
        for line in format_text(report):
            severity = line.split(" ", 1)[0]
            if severity in colours:
                rest = escape(line[len(severity):])
                console.print(f"[{colours[severity]}]{severity}[/]{rest}",
                              markup=True, highlight=False, soft_wrap=True)
            else:
                console.print(line, markup=False, highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command("fmt")
def fmt_command(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Turtle files or folders to format (default: ontology/).")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Change nothing; list the files that are not canonical and exit 1.")] = False,
) -> None:
    """Rewrite Turtle files in skillkg's one canonical form (never losing a triple)."""
    from skillkg.formatting import FormatError, format_files

    targets = paths or [config.project_root() / "ontology"]
    try:
        result = format_files(targets, check=check)
    except FormatError as exc:
        raise fail(str(exc), code=2) from exc
    for exc in result.errors:
        err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
    verb = "would reformat" if check else "reformatted"
    for path in result.changed:
        console.print(f"{verb} {path}", markup=False, highlight=False)
    console.print(f"{len(result.changed)} {verb}, {len(result.unchanged)} already canonical, "
                  f"{len(result.errors)} not formatted (errors)", highlight=False)
    if result.errors or (check and result.changed):
        raise typer.Exit(1)


@app.command("diff")
def diff_command(
    base: Annotated[str, typer.Argument(help="The git revision to compare from (e.g. origin/main).")],
    head: Annotated[str | None, typer.Argument(
        help="The git revision to compare to (default: the working tree).")] = None,
    no_reason: Annotated[bool, typer.Option(
        "--no-reason", help="Do not compare what the reasoner infers.")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Also write the Markdown to this file (e.g. $GITHUB_STEP_SUMMARY).")] = None,
) -> None:
    """Semantic diff of ontology/ between two git revisions, as Markdown for a pull request."""
    from skillkg.semdiff import DiffError, diff_revisions

    try:
        result = diff_revisions(config.project_root(), base, head, reason=not no_reason)
    except DiffError as exc:
        raise fail(str(exc), code=2) from exc
    text = result.to_markdown()
    sys.stdout.write(text)
    if output is not None:
        with output.open("a", encoding="utf-8") as handle:
            handle.write(text)


new_app = typer.Typer(help="Start a new record from a template (never overwrites a file).",
                      no_args_is_help=True)
app.add_typer(new_app, name="new")


def _scaffold(kind: str, key: str, ontology: Path | None) -> None:
    from skillkg.iris import IRIError
    from skillkg.scaffold import ScaffoldError, create

    folder = ontology or config.project_root() / "ontology"
    try:
        path = create(folder, kind, key)
    except (ScaffoldError, IRIError) as exc:
        raise fail(str(exc), code=2) from exc
    console.print(f"created {path}: replace every TODO-..., then run "
                  f"`skillkg validate {path}` and `skillkg fmt {path}`", highlight=False)


_KEY_HELP = "The key: a lower-case slug (letters, digits, hyphens), e.g. triple-win."
_ONTOLOGY_HELP = "The ontology folder (default: the project's ontology/)."


@new_app.command("partnership")
def new_partnership(
    key: Annotated[str, typer.Argument(help=_KEY_HELP)],
    ontology: Annotated[Path | None, typer.Option(help=_ONTOLOGY_HELP)] = None,
) -> None:
    """Scaffold ontology/partnerships/KEY.ttl for a partnership or programme."""
    _scaffold("partnership", key, ontology)


@new_app.command("agreement")
def new_agreement(
    key: Annotated[str, typer.Argument(help=_KEY_HELP)],
    ontology: Annotated[Path | None, typer.Option(help=_ONTOLOGY_HELP)] = None,
) -> None:
    """Scaffold ontology/partnerships/KEY.ttl for an agreement, MoU or mutual recognition arrangement."""
    _scaffold("agreement", key, ontology)


@new_app.command("organisation")
def new_organisation(
    key: Annotated[str, typer.Argument(help=_KEY_HELP)],
    ontology: Annotated[Path | None, typer.Option(help=_ONTOLOGY_HELP)] = None,
) -> None:
    """Scaffold ontology/vocab/organisation-KEY.ttl for a new stakeholder."""
    _scaffold("organisation", key, ontology)
