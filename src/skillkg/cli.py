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
        err.print(f"[dim]SPARQL run ({response.took_ms:.0f} ms); rerun it with `skillkg sparql`:[/]")
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
