"""`skillkg fmt`: one canonical Turtle form, stable, that never loses a triple or a comment."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from skillkg.cli import app
from skillkg.formatting import FormatError, format_files, format_text, isomorphic
from skillkg.validation import validate

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology"
EXAMPLE = ROOT / "tests" / "contributions" / "example-partnership.ttl"


def triples(text: str) -> list[ox.Triple]:
    return list(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))


#: The same small record written two different ways: other prefix names, `rdf:type` for `a`,
#: statements, predicates and objects in another order, a subject split in two statements.
ONE_WAY = """\
@prefix skg: <https://w3id.org/skillkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix partnership: <https://w3id.org/skillkg/id/partnership/> .
@prefix country: <https://w3id.org/skillkg/id/country/> .
@prefix source: <https://w3id.org/skillkg/id/source/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

partnership:demo a skg:Partnership ;
    skos:prefLabel "Demo"@en, "Démo"@fr ;
    skg:originCountry country:PHL, country:BIH ;
    skg:startYear 2013 ;
    dcterms:source source:demo-page .

source:demo-page a skg:Source ; dcterms:title "Demo page"@en ; skg:url "https://example.org/demo" .

[] a owl:Axiom ; owl:annotatedSource partnership:demo ; owl:annotatedProperty skg:startYear ;
   owl:annotatedTarget 2013 ; dcterms:source source:demo-page .
[] a owl:Axiom ; owl:annotatedSource partnership:demo ; owl:annotatedProperty skg:originCountry ;
   owl:annotatedTarget country:BIH ; dcterms:source source:demo-page .
"""

OTHER_WAY = """\
@prefix ont: <https://w3id.org/skillkg/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix dc: <http://purl.org/dc/terms/> .
@prefix o: <http://www.w3.org/2002/07/owl#> .
@prefix id: <https://w3id.org/skillkg/id/> .

[ o:annotatedTarget id:country\\/BIH ; rdf:type o:Axiom ;
  dc:source <https://w3id.org/skillkg/id/source/demo-page> ;
  o:annotatedProperty ont:originCountry ; o:annotatedSource <https://w3id.org/skillkg/id/partnership/demo> ] .
<https://w3id.org/skillkg/id/source/demo-page> ont:url "https://example.org/demo" ;
    dc:title "Demo page"@en ; rdf:type ont:Source .
<https://w3id.org/skillkg/id/partnership/demo> dc:source <https://w3id.org/skillkg/id/source/demo-page> ;
    ont:startYear 2013 ; ont:originCountry <https://w3id.org/skillkg/id/country/BIH> .
_:x o:annotatedSource <https://w3id.org/skillkg/id/partnership/demo> ; rdf:type o:Axiom ;
    o:annotatedProperty ont:startYear ; o:annotatedTarget 2013 ;
    dc:source <https://w3id.org/skillkg/id/source/demo-page> .
<https://w3id.org/skillkg/id/partnership/demo>
    <http://www.w3.org/2004/02/skos/core#prefLabel> "Démo"@fr, "Demo"@en ;
    rdf:type ont:Partnership ; ont:originCountry <https://w3id.org/skillkg/id/country/PHL> .
"""


def test_two_writings_of_the_same_content_give_identical_files() -> None:
    assert isomorphic(triples(ONE_WAY), triples(OTHER_WAY))
    assert format_text(ONE_WAY) == format_text(OTHER_WAY)


def test_the_canonical_form() -> None:
    out = format_text(ONE_WAY)
    assert out == """\
@prefix country: <https://w3id.org/skillkg/id/country/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix partnership: <https://w3id.org/skillkg/id/partnership/> .
@prefix skg: <https://w3id.org/skillkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix source: <https://w3id.org/skillkg/id/source/> .

partnership:demo a skg:Partnership ;
    skos:prefLabel "Demo"@en, "Démo"@fr ;
    dcterms:source source:demo-page ;
    skg:originCountry country:BIH, country:PHL ;
    skg:startYear 2013 .

source:demo-page a skg:Source ;
    dcterms:title "Demo page"@en ;
    skg:url "https://example.org/demo" .

[] a owl:Axiom ;
    owl:annotatedSource partnership:demo ;
    owl:annotatedProperty skg:originCountry ;
    owl:annotatedTarget country:BIH ;
    dcterms:source source:demo-page .

[] a owl:Axiom ;
    owl:annotatedSource partnership:demo ;
    owl:annotatedProperty skg:startYear ;
    owl:annotatedTarget 2013 ;
    dcterms:source source:demo-page .
"""


def test_formatting_is_idempotent_and_keeps_every_triple() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    once = format_text(text)
    assert format_text(once) == once
    assert isomorphic(triples(text), triples(once))


def test_subjects_are_grouped_by_type() -> None:
    out = format_text(EXAMPLE.read_text(encoding="utf-8"))
    order = [out.index(s) for s in ("partnership:example-partnership a skg:Partnership",
                                    "<https://w3id.org/skillkg/id/participation/example-partnership/iom> a",
                                    "source:example-partnership-page a skg:Source", "[] a owl:Axiom")]
    assert order == sorted(order)


def test_literals_keep_their_exact_form() -> None:
    text = """\
@prefix skg: <https://w3id.org/skillkg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/skillkg/id/source/s> skg:citation "say \\"hi\\"\\nnext line\\ttab", "é"@fr-CA ;
    skg:note "02013"^^xsd:integer, 2013, 1.50, true, "2026-11-25"^^xsd:date, "x"^^<https://example.org/dt> .
"""
    out = format_text(text)
    assert '"say \\"hi\\"\\nnext line\\ttab"' in out
    assert '"é"@fr-ca' in out.lower()
    for form in ("02013", " 2013", "1.50", "true", '"2026-11-25"^^xsd:date', '"x"^^<https://example.org/dt>'):
        assert form in out
    assert isomorphic(triples(text), triples(out))


def test_blank_nodes_lists_and_restrictions_are_written_inline() -> None:
    text = """\
@prefix skg: <https://w3id.org/skillkg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
skg:A a owl:Class ; rdfs:subClassOf [ owl:hasValue skg:x ; a owl:Restriction ; owl:onProperty skg:p ] .
[] a owl:AllDisjointClasses ; owl:members ( skg:C skg:A skg:B ) .
"""
    out = format_text(text)
    assert "rdfs:subClassOf [ a owl:Restriction ; owl:onProperty skg:p ; owl:hasValue skg:x ]" in out
    assert "owl:members ( skg:C skg:A skg:B )" in out  # list order is data, kept as written


def test_a_blank_node_used_twice_gets_a_label() -> None:
    text = """\
@prefix ex: <https://example.org/> .
ex:a ex:p _:shared . ex:b ex:p _:shared . _:shared ex:q "v" .
"""
    out = format_text(text)
    assert "_:b1 ex:q" not in out  # example.org has no fixed prefix: written in full
    assert "_:b1 <https://example.org/q> \"v\" ." in out
    assert out.count("_:b1") == 3
    assert isomorphic(triples(text), triples(out))


def test_comments_are_kept_with_their_subject() -> None:
    text = """\
# File header: what this file is.

@prefix skg: <https://w3id.org/skillkg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .

# about Z
skg:Z a owl:Class .
# about A
skg:A a owl:Class ; # inline note
    skg:citation "S/25/5 §7" .
# end of file
"""
    out = format_text(text)
    assert out.startswith("# File header: what this file is.\n\n@prefix")
    assert "# about A\n# inline note\nskg:A a owl:Class ;" in out
    assert "# about Z\nskg:Z a owl:Class ." in out
    assert out.index("skg:A") < out.index("skg:Z")
    assert out.rstrip().endswith("# end of file")
    assert format_text(out) == out


def test_a_syntax_error_is_refused_with_its_line_and_the_file_is_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bad.ttl"
    text = "@prefix skg: <https://w3id.org/skillkg/ontology#> .\n\nskg:A skg:b skg:c\nskg:D skg:e skg:f .\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad\.ttl:4: Turtle syntax error"):
        format_text(path.read_bytes(), path)
    result = format_files([tmp_path])
    assert [e.path for e in result.errors] == [path]
    assert path.read_text(encoding="utf-8") == text


def test_check_lists_unformatted_files_and_changes_nothing(tmp_path: Path) -> None:
    messy = tmp_path / "messy.ttl"
    messy.write_text(ONE_WAY, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["fmt", "--check", str(tmp_path)])
    assert result.exit_code == 1
    assert "would reformat" in result.stdout and "messy.ttl" in result.stdout
    assert messy.read_text(encoding="utf-8") == ONE_WAY
    assert runner.invoke(app, ["fmt", str(tmp_path)]).exit_code == 0
    assert messy.read_text(encoding="utf-8") == format_text(ONE_WAY)
    again = runner.invoke(app, ["fmt", "--check", str(tmp_path)])
    assert again.exit_code == 0, again.stdout
    assert "1 already canonical" in again.stdout


def test_every_file_of_the_ontology_can_be_formatted_safely(tmp_path: Path) -> None:
    """What the lead will do: fmt over ontology/. Same triples, same comments, same validation."""
    copy = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY, copy)
    result = format_files([copy])
    assert result.errors == []
    for original in sorted(ONTOLOGY.rglob("*.ttl")):
        formatted = copy / original.relative_to(ONTOLOGY)
        before, after = original.read_text(encoding="utf-8"), formatted.read_text(encoding="utf-8")
        assert isomorphic(triples(before), triples(after)), original
        comments = [line.strip() for line in before.splitlines() if line.lstrip().startswith("#")]
        kept = [line.strip() for line in after.splitlines() if line.lstrip().startswith("#")]
        assert sorted(comments) == sorted(kept), original
    assert format_files([copy], check=True).changed == []

    def outcome(folder: Path) -> set[tuple[str, str, str | None]]:
        report = validate([folder], ontology_dir=folder, reason=False)
        return {(p.severity, p.rule, p.focus) for p in report.problems}

    assert outcome(copy) == outcome(ONTOLOGY)
