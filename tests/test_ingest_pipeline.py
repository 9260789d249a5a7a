"""The ingest pipeline on the real sources: passages, mentions, provenance, re-ingest, bad input, gold."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest
import yaml
from skillkg.ingest.pipeline import (
    IngestError,
    discover_sources,
    document_graph,
    ingest_paths,
    load_metadata,
    parse_document,
)
from typer.testing import CliRunner

from skillkg import iris
from skillkg.cli import app
from skillkg.sources import discover, load
from skillkg.store import Store

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "ingest" / "sources"
PAPER = SOURCES / "iom-s-25-5-skills-mobility-partnerships.fr.txt"
GOLD = ROOT / "tests" / "eval" / "mentions-gold.yaml"
DOC = iris.individual("document", "iom-s-25-5")
PREFIXES = iris.sparql_prologue()


def passage(n: int | str) -> str:
    return iris.individual("passage", f"iom-s-25-5/{n}")


def ontology_store() -> Store:
    """A fresh in-memory store with every Turtle file of ontology/ (labels for the linker)."""
    store = Store.memory()
    load(store, discover(ROOT / "ontology"))
    return store


@pytest.fixture(scope="module")
def ingested() -> tuple[Store, object]:
    """The project's ingest/sources/ ingested into a store holding the ontology."""
    store = ontology_store()
    result = ingest_paths([SOURCES], store)
    return store, result


def mentions_of(store: Store, p: str) -> set[str]:
    return set(store.select(PREFIXES + "SELECT ?c WHERE { ?p skg:mentions ?c }", {"p": p}).values("c"))


def test_every_source_ingests_without_errors(ingested: tuple[Store, object]) -> None:
    _, result = ingested
    assert result.errors == [] and result.skipped == []
    assert sorted(r.key for r in result.results) == [
        "iom-s-25-5", "un-a-res-73-195-objective-18-actions", "un-gcm-objective-5"]
    assert all(r.status == "added" for r in result.results)


def test_the_paper_ingests_into_31_numbered_passages_plus_the_footnote(ingested) -> None:
    store, _ = ingested
    rows = store.select(PREFIXES + """SELECT ?p ?n ?kind ?order WHERE {
        ?p a skg:Passage ; skg:inDocument ?d ; skg:passageKind ?kind ; skg:order ?order .
        OPTIONAL { ?p skg:paragraphNumber ?n } } ORDER BY ?order""", {"d": DOC}).rows
    assert [(p.value, kind.value) for p, _, kind, _ in rows] == (
        [(passage(n), "numbered-paragraph") for n in range(1, 32)] + [(passage("fn1"), "footnote")])
    assert [int(n.value) for _, n, _, _ in rows[:31]] == list(range(1, 32))
    assert rows[31][1] is None  # a footnote has no paragraph number
    assert [int(o.value) for *_, o in rows] == list(range(1, 33))


def test_passages_carry_their_text_language_and_citation(ingested) -> None:
    store, _ = ingested
    row = store.select(PREFIXES + "SELECT ?t ?c WHERE { ?p skg:text ?t ; skg:citation ?c }",
                       {"p": passage(7)}).rows[0]
    assert row[0].value.startswith("En ce qui concerne le bien-être des migrants")
    assert row[0].language == "fr" and row[1].value == "S/25/5 §7"
    fn = store.select(PREFIXES + "SELECT ?c WHERE { ?p skg:citation ?c }", {"p": passage("fn1")})
    assert fn.values("c") == ["S/25/5 note 1"]
    see = store.select(PREFIXES + "SELECT ?n WHERE { ?p rdfs:seeAlso ?n }", {"p": passage(15)})
    assert see.values("n") == [passage("fn1")]


def test_paragraph_7_links_all_five_features(ingested) -> None:
    store, _ = ingested
    features = {iris.individual("feature", k) for k in (
        "state-cooperation", "multi-stakeholder-participation", "training", "skills-recognition",
        "migration-mobility")}
    assert features <= mentions_of(store, passage(7))


def test_paragraph_19_links_sdgs_4_8_and_10(ingested) -> None:
    store, _ = ingested
    found = mentions_of(store, passage(19))
    assert {iris.sdg(4), iris.sdg(8), iris.sdg(10)} <= found
    assert not any(c.startswith(iris.ID + "gcm/") for c in found)


def test_paragraph_20_links_gcm_objectives_5_and_18(ingested) -> None:
    store, _ = ingested
    found = mentions_of(store, passage(20))
    assert {iris.gcm_objective(5), iris.gcm_objective(18)} <= found
    assert not any(c.startswith(iris.ID + "sdg/") for c in found)


def test_paragraph_21_links_the_five_founders_of_the_global_skills_partnership(ingested) -> None:
    store, _ = ingested
    founders = {iris.individual("organisation", k) for k in ("iom", "ilo", "unesco", "ioe", "ituc")}
    assert founders | {iris.individual("partnership", "global-skills-partnership-on-migration")} <= \
        mentions_of(store, passage(21))


def test_provenance_names_the_pipeline_its_version_and_the_source_file(ingested) -> None:
    store, _ = ingested
    rows = store.select(PREFIXES + """SELECT ?file ?label ?activity ?agent ?version WHERE {
        ?p prov:wasDerivedFrom ?file ; prov:wasGeneratedBy ?activity .
        ?file rdfs:label ?label .
        ?activity a prov:Activity ; prov:used ?file ; prov:wasAssociatedWith ?agent .
        ?agent a prov:SoftwareAgent ; owl:versionInfo ?version }""", {"p": passage(7)}).rows
    assert len(rows) == 1
    file, label, activity, agent, version = rows[0]
    assert file.value.startswith("urn:sha256:") and label.value == PAPER.name
    assert version.value == __import__("skillkg").__version__
    assert agent.value == iris.individual("pipeline", f"skillkg-ingest-{version.value}")
    assert store.ask(PREFIXES + "ASK { ?d a skg:PolicyDocument ; prov:wasDerivedFrom ?f ; "
                                "dcterms:identifier 'S/25/5' ; dcterms:language 'fr' }",
                     {"d": DOC, "f": file})


def test_documents_live_in_their_own_named_graph(ingested) -> None:
    store, _ = ingested
    graph = document_graph("iom-s-25-5")
    assert graph == iris.GRAPH + "documents/iom-s-25-5"
    assert store.ask("ASK { GRAPH ?g { ?p ?x ?y } }", {"g": graph, "p": passage(7)})


def test_the_english_policy_texts_ingest_with_their_sources(ingested) -> None:
    store, result = ingested
    by_key = {r.key: r for r in result.results}
    assert by_key["un-gcm-objective-5"].passages == 5
    assert by_key["un-a-res-73-195-objective-18-actions"].passages == 6  # the running head dropped
    rows = store.select(PREFIXES + "SELECT ?url WHERE { ?d skg:url ?url }",
                        {"d": iris.individual("document", "un-gcm-objective-5")})
    assert rows.values("url") == ["https://migrationnetwork.un.org/taxonomy/term/283"]
    p = iris.individual("passage", "un-a-res-73-195-objective-18-actions/p6")
    assert {iris.individual("partnership", "global-skills-partnership-on-migration"),
            iris.individual("stakeholder-kind", "trade-union")} <= mentions_of(store, p)
    p2 = iris.individual("passage", "un-a-res-73-195-objective-18-actions/p2")
    assert iris.individual("recognition", "mutual-recognition") in mentions_of(store, p2)


def test_the_summary_counts_mentions_by_kind_and_unlinked_candidates(ingested) -> None:
    _, result = ingested
    kinds = result.mentions_by_kind
    assert kinds["feature"] > 0 and kinds["organisation"] >= 5 and kinds["sdg"] == 3
    assert result.passages == 32 + 5 + 6
    assert "États" in result.candidates  # named by the French NER, no individual for it
    assert "PMC" not in result.candidates  # the name of a class, not an unlinked entity


def _snapshot(store: Store) -> set[tuple[str, ...]]:
    """Every quad of the store, as strings."""
    rows = store.select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    return {tuple(str(term) for term in row) for row in rows}


def test_reingesting_unchanged_sources_changes_nothing(tmp_path: Path) -> None:
    store = ontology_store()
    first = ingest_paths([PAPER], store)
    before = _snapshot(store)
    again = ingest_paths([PAPER], store)
    assert [r.status for r in first.results] == ["added"]
    assert [r.status for r in again.results] == ["unchanged"]
    assert _snapshot(store) == before


def test_a_changed_document_replaces_its_passages(tmp_path: Path) -> None:
    store = ontology_store()
    folder = tmp_path / "sources"
    folder.mkdir()
    copy = folder / PAPER.name
    shutil.copy(PAPER, copy)
    shutil.copy(PAPER.with_suffix(".yaml"), folder / PAPER.with_suffix(".yaml").name)
    ingest_paths([folder], store)
    old_files = store.select(PREFIXES + "SELECT ?f WHERE { ?d prov:wasDerivedFrom ?f }", {"d": DOC})
    # the new version stops after §20: §21-31 must disappear, §7 must stay
    text = PAPER.read_text(encoding="utf-8")
    copy.write_text(text[: text.index("21. D’une maniére")], encoding="utf-8")
    result = ingest_paths([folder], store)
    assert [r.status for r in result.results] == ["replaced"]
    numbers = store.select(PREFIXES + "SELECT ?n WHERE { ?p skg:inDocument ?d ; skg:paragraphNumber ?n }",
                           {"d": DOC}).values("n")
    assert sorted(int(n) for n in numbers) == list(range(1, 21))
    assert not store.ask(PREFIXES + "ASK { ?p ?x ?y }", {"p": passage(21)})
    new_files = store.select(PREFIXES + "SELECT ?f WHERE { ?d prov:wasDerivedFrom ?f }", {"d": DOC})
    assert new_files.values("f") != old_files.values("f")


def test_bad_files_are_named_and_leave_the_batch_and_the_graph_untouched(tmp_path: Path) -> None:
    store = ontology_store()
    ingest_paths([PAPER], store)
    before = _snapshot(store)
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "latin1.fr.txt").write_bytes("1. Sécurité des travailleurs".encode("latin-1"))
    (folder / "unreadable.pdf").write_bytes(b"%PDF-1.4 garbage")
    (folder / "notes.docx").write_bytes(b"PK")
    (folder / "README.md").write_text("not a source")
    good = folder / "good.en.txt"
    good.write_text("IOM and the ILO train nurses.\n", encoding="utf-8")
    result = ingest_paths([folder, tmp_path / "missing.txt"], store)
    assert [r.key for r in result.results] == ["good"]
    named = sorted(Path(e.path).name for e in result.errors)
    assert named == ["binary.txt", "empty.txt", "latin1.fr.txt", "missing.txt", "unreadable.pdf"]
    assert any("notes.docx" in s for s in result.skipped)
    after = _snapshot(store)
    assert before <= after  # nothing that was there is lost
    assert {q[0] for q in after - before} == {f"<{document_graph('good')}>"}  # only the good file


def test_metadata_files_are_checked(tmp_path: Path) -> None:
    source = tmp_path / "doc.txt"
    source.write_text("Some policy text.\n", encoding="utf-8")
    meta = tmp_path / "doc.yaml"
    meta.write_text("key: doc\nlanguage: en\ntitel: typo\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"doc.yaml: unknown field\(s\) titel"):
        load_metadata(source)
    meta.write_text("key: [unclosed\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"doc.yaml: is not valid YAML \(line 2\)"):
        load_metadata(source)
    meta.write_text("key: Not A Key!\nlanguage: en\n", encoding="utf-8")
    with pytest.raises(IngestError, match="field 'key'"):
        load_metadata(source)
    meta.write_text("language: de\n", encoding="utf-8")
    with pytest.raises(IngestError, match="language 'de' is not supported"):
        load_metadata(source)
    meta.unlink()
    derived = load_metadata(source, "The skills of the workers and the partnerships.")
    assert (derived.key, derived.language) == ("doc", "en")


def test_the_paper_metadata_states_only_confirmed_facts() -> None:
    meta = load_metadata(PAPER)
    assert (meta.key, meta.language, meta.reference) == ("iom-s-25-5", "fr", "S/25/5")
    assert meta.date == "" and meta.url == "" and meta.licence == ""  # not confirmed: left out
    files, errors, skipped = discover_sources([SOURCES])
    assert errors == [] and skipped == [] and len(files) == 3


def test_the_gold_mentions_of_the_paper_score_at_least_90_percent() -> None:
    """Precision and recall of the linker against tests/eval/mentions-gold.yaml, hand-checked."""
    gold_file = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    store = ontology_store()
    known = set(store.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o }").values("s"))
    doc = parse_document(PAPER, store)
    assert set(gold_file["passages"]) == {p.key for p in doc.clean.passages}
    gold = {(k, iris.ID + v) for k, vs in gold_file["passages"].items() for v in vs}
    assert all(iri in known for _, iri in gold), "every gold IRI names an individual of the graph"
    found = {(k, iri) for k, iris_ in doc.mentions.items() for iri in iris_}
    hits = len(gold & found)
    precision, recall = hits / len(found), hits / len(gold)
    assert len(gold) >= 150
    assert precision >= 0.9, sorted(found - gold)
    assert recall >= 0.9, sorted(gold - found)


def test_the_ingest_command_writes_to_a_store_and_reports(tmp_path: Path) -> None:
    location = tmp_path / "store"
    with Store.open(location) as store:
        load(store, discover(ROOT / "ontology"))
    del store
    gc.collect()  # release the RocksDB lock, as skillkg build does
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(PAPER), str(bad), "--store", str(location)],
                           env={"COLUMNS": "150"})
    assert result.exit_code == 1
    assert "iom-s-25-5" in result.output and "mentions by kind" in result.output
    assert "unlinked" in result.output and "États" in result.output
    assert "empty.txt: is empty" in result.output
    gc.collect()
    with Store.open(location, read_only=True) as store:
        assert store.ask(PREFIXES + "ASK { ?p skg:inDocument ?d }", {"d": DOC})
    del store, result
    gc.collect()
    again = runner.invoke(app, ["ingest", str(PAPER), "--store", str(location), "--json"])
    assert again.exit_code == 0, again.output
    assert '"status": "unchanged"' in again.output
