"""`skillkg validate`: every kind of broken contribution is caught, named and located.

tests/broken/ holds one broken contribution per file, each made from the valid
record tests/contributions/example-partnership.ttl by one mistake (its first
line says which). They are validated against the real ontology/, as a pull
request would be.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skillkg.cli import app
from skillkg.scaffold import ScaffoldError, create, render
from skillkg.validation import (
    Report,
    ValidationSetupError,
    iri_problem,
    kind_class,
    load_rules,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology"
BROKEN = ROOT / "tests" / "broken"
VALID = ROOT / "tests" / "contributions" / "example-partnership.ttl"
SYNTAX_CASES = {"syntax-error", "slash-in-prefixed-name"}

#: case -> (rule that must name the mistake, words of its message, text on the reported line,
#:          every rule allowed to report an error or warning for that file)
CASES: dict[str, tuple[str, str, str, set[str]]] = {
    "missing-french-label": ("record-label-fr", "French name", "skos:prefLabel", {"record-label-fr"}),
    "two-english-labels": ("record-label-en", "exactly one English name", "skos:prefLabel",
                           {"record-label-en"}),
    "missing-french-description": ("record-description-fr", "French description", "dcterms:description",
                                   {"record-description-fr"}),
    "missing-source": ("record-source", "has no source", "partnership:missing-source a",
                       {"record-source"}),
    "unknown-country-code": ("record-origin-country", "known country", "country:XYZ",
                             {"record-origin-country", "undefined-reference"}),
    "lowercase-country-code": ("bad-iri", "alpha-3 code in capitals", "country:phl",
                               {"bad-iri", "record-origin-country", "undefined-reference"}),
    "unknown-isco-code": ("record-occupation", "ISCO-08 group", "isco:9999",
                          {"record-occupation", "undefined-reference"}),
    "undeclared-property": ("undeclared-term", "skg:originCountries is used but not declared",
                            "skg:originCountries", {"undeclared-term"}),
    "class-as-individual": ("class-as-individual", "skg:Country is a class but is used as an individual",
                            "skg:Country", {"class-as-individual", "record-destination-country"}),
    "duplicate-iri": ("duplicate-definition", "differently, in ontology/vocab/paper-frameworks.ttl",
                      "organisation:iom a",
                      {"duplicate-definition", "organisation-label-en", "organisation-label-fr"}),
    "wrong-datatype": ("record-start-year-datatype", "bare integer", "skg:startYear",
                       {"record-start-year-datatype", "record-start-year-range", "record-years-order"}),
    "year-out-of-range": ("record-start-year-range", "plausible year", "skg:startYear",
                          {"record-start-year-range", "record-years-order"}),
    "end-before-start": ("record-years-order", "endYear is before", "skg:startYear",
                         {"record-years-order"}),
    "bad-iri-kind": ("bad-iri", "unknown kind 'partnerships'", "/id/partnerships/bad-iri-kind", {"bad-iri"}),
    "participation-without-role": ("participation-role", "role", "a skg:Participation",
                                   {"participation-role"}),
    "organisation-without-kind": ("organisation-kind", "has no kind", "organisation-without-kind-agency a",
                                  {"organisation-kind"}),
    "fact-without-source-axiom": ("fact-without-source",
                                  "skg:destinationCountry country:DEU has no owl:Axiom",
                                  "skg:destinationCountry", {"fact-without-source"}),
    "axiom-without-source": ("axiom-source", "does not say which source", "[] a owl:Axiom",
                             {"axiom-source", "fact-without-source"}),
    "axiom-without-fact": ("axiom-without-fact", "country:FRA", "skg:destinationCountry",
                           {"axiom-without-fact"}),
    "source-without-url": ("source-locator", "skg:url", "source:source-without-url-page a",
                           {"source-locator"}),
    "status-not-in-scheme": ("record-status-value", "status scheme", "skg:status", {"record-status-value"}),
    "term-declared-in-record": ("term-outside-ontology", "declared only in ontology/skillkg.ttl",
                                "skg:fundedBy a", {"term-outside-ontology"}),
    "agreement-typed-as-partnership": ("iri-kind-class", "should be a skg:Agreement",
                                       "agreement:agreement-typed-as-partnership a", {"iri-kind-class"}),
    "orphan-concept": ("orphan-concept", "belongs to no concept scheme", "language-training> a",
                       {"orphan-concept"}),
    "record-in-wrong-file": ("record-file-name", "expected partnerships/another-key.ttl",
                             "partnership:another-key a", {"record-file-name"}),
}


@pytest.fixture(scope="module")
def broken_report() -> Report:
    """All broken contributions that parse, validated together (as one pull request would be)."""
    files = sorted(p for p in BROKEN.glob("*.ttl") if p.stem not in SYNTAX_CASES)
    return validate(files, ontology_dir=ONTOLOGY, reason=False)


def test_the_corpus_covers_at_least_fifteen_kinds_of_mistake() -> None:
    stems = {p.stem for p in BROKEN.glob("*.ttl")}
    assert stems == set(CASES) | SYNTAX_CASES | {"inconsistent-types"}
    assert len(stems) >= 15
    for path in BROKEN.glob("*.ttl"):
        assert path.read_text(encoding="utf-8").startswith("# Broken contribution: ")


def test_the_valid_example_passes_every_check() -> None:
    report = validate([VALID], ontology_dir=ONTOLOGY, reason=True)
    assert report.problems == []
    assert report.checks == ["syntax", "shacl", "rules", "reasoner"]
    assert report.ok


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_broken_contribution_is_caught_and_named(case: str, broken_report: Report) -> None:
    rule, words, on_line, allowed = CASES[case]
    path = BROKEN / f"{case}.ttl"
    mine = [p for p in broken_report.problems if p.file == f"tests/broken/{case}.ttl"]
    named = [p for p in mine if p.rule == rule]
    assert named, f"{case}: expected [{rule}], got {[p.rule for p in mine]}"
    problem = named[0]
    assert words in problem.message
    assert problem.hint, "every problem comes with a hint"
    assert problem.focus
    lines = path.read_text(encoding="utf-8").splitlines()
    assert problem.line is not None
    assert on_line in lines[problem.line - 1], (case, problem.line, lines[problem.line - 1])
    assert {p.rule for p in mine} <= allowed, f"{case}: unexpected {[p.rule for p in mine]}"


def test_warnings_do_not_fail_validation() -> None:
    report = validate([BROKEN / "orphan-concept.ttl"], ontology_dir=ONTOLOGY, reason=False)
    assert [p.severity for p in report.problems] == ["warning"]
    assert report.ok


def test_a_syntax_error_is_reported_with_its_line_and_stops_the_other_checks() -> None:
    report = validate([BROKEN / "syntax-error.ttl"], ontology_dir=ONTOLOGY)
    [error] = report.errors
    assert error.rule == "turtle-syntax" and error.check == "syntax"
    assert error.file == "tests/broken/syntax-error.ttl"
    assert error.line == 30  # the statement after the unclosed one
    assert "dot is expected" in error.message
    assert "checks-skipped" in report.rules()
    assert report.checks == ["syntax"]


def test_a_slash_in_a_prefixed_name_gets_a_hint_that_fixes_it() -> None:
    report = validate([BROKEN / "slash-in-prefixed-name.ttl"], ontology_dir=ONTOLOGY)
    [error] = report.errors
    assert error.line == 31
    assert "<https://w3id.org/skillkg/id/participation/RECORD/ORG>" in error.hint


def test_an_inconsistent_contribution_is_named_by_the_reasoner() -> None:
    report = validate([BROKEN / "inconsistent-types.ttl"], ontology_dir=ONTOLOGY, reason=True)
    [error] = report.errors
    assert error.rule == "inconsistent" and error.check == "reasoner"
    assert error.file == "tests/broken/inconsistent-types.ttl"
    assert "disjoint" in error.hint


def test_the_real_ontology_validates_without_errors() -> None:
    report = validate([ONTOLOGY], reason=True)
    assert len(report.files) > 10
    errors = "\n".join(f"{p.where()} [{p.rule}] {p.focus}: {p.message}" for p in report.errors)
    assert report.ok, f"ontology/ has errors:\n{errors}"


def test_the_cli_prints_json_and_exits_1_on_errors() -> None:
    result = CliRunner().invoke(app, ["validate", str(BROKEN / "missing-french-label.ttl"),
                                      "--format", "json", "--no-reason"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["counts"]["error"] == 1
    [problem] = data["problems"]
    assert problem == {**problem, "rule": "record-label-fr", "severity": "error",
                       "file": "tests/broken/missing-french-label.ttl", "line": 18,
                       "focus": "partnership:missing-french-label", "check": "shacl"}


def test_the_cli_text_report_names_file_line_rule_and_hint() -> None:
    result = CliRunner().invoke(app, ["validate", str(BROKEN / "end-before-start.ttl"), "--no-reason"])
    assert result.exit_code == 1
    assert "tests/broken/end-before-start.ttl:25" in result.stdout
    assert "[record-years-order]" in result.stdout
    assert "hint: Check both years" in result.stdout
    ok = CliRunner().invoke(app, ["validate", str(VALID), "--no-reason"])
    assert ok.exit_code == 0, ok.stdout


@pytest.mark.parametrize(("iri", "problem"), [
    ("https://w3id.org/skillkg/id/country/PHL", None),
    ("https://w3id.org/skillkg/id/country/phl", "capitals"),
    ("https://w3id.org/skillkg/id/country/PH", "capitals"),
    ("https://w3id.org/skillkg/id/region/m49-142", None),
    ("https://w3id.org/skillkg/id/region/142", "m49-"),
    ("https://w3id.org/skillkg/id/isco/2221", None),
    ("https://w3id.org/skillkg/id/isco/22210", "1 to 4 digits"),
    ("https://w3id.org/skillkg/id/gcm/objective-18", None),
    ("https://w3id.org/skillkg/id/gcm/objective-24", "out of range"),
    ("https://w3id.org/skillkg/id/sdg/8.8", None),
    ("https://w3id.org/skillkg/id/sdg/18", "goal 1-17"),
    ("https://w3id.org/skillkg/id/partnership/triple-win", None),
    ("https://w3id.org/skillkg/id/partnership/Triple_Win", "lower-case slug"),
    ("https://w3id.org/skillkg/id/participation/triple-win/giz", None),
    ("https://w3id.org/skillkg/id/partnerships/triple-win", "unknown kind"),
    ("https://w3id.org/skillkg/id/partnership/", "no key"),
    ("http://w3id.org/skillkg/id/country/PHL", "https://"),
    ("https://w3id.org/skillkg/ontology#Partnership", None),
    ("http://data.europa.eu/esco/isco/C2221", None),
])
def test_iri_scheme(iri: str, problem: str | None) -> None:
    found = iri_problem(iri)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_the_kind_of_an_iri_gives_its_class() -> None:
    assert kind_class("https://w3id.org/skillkg/id/agreement/x") == "https://w3id.org/skillkg/ontology#Agreement"
    assert kind_class("https://w3id.org/skillkg/id/scheme/statuses") is None
    assert kind_class("https://example.org/x") is None


def test_every_rule_file_has_its_header() -> None:
    rules = load_rules(ONTOLOGY / "rules")
    assert len(rules) >= 10
    for rule in rules:
        assert rule.severity in ("error", "warning", "info")
        assert rule.message and rule.hint
        assert rule.id == rule.path.stem


def test_a_rule_without_header_is_refused_with_its_file(tmp_path: Path) -> None:
    ontology = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY, ontology, ignore=shutil.ignore_patterns("partnerships"))
    (ontology / "rules" / "no-header.rq").write_text("SELECT ?focus WHERE { ?focus a ?c }\n")
    with pytest.raises(ValidationSetupError, match=r"no-header\.rq: the rule's header lacks id"):
        validate([ontology / "skillkg.ttl"], ontology_dir=ontology, reason=False)


# -- skillkg new -----------------------------------------------------------------------------


def _fill(text: str, key: str) -> str:
    """What a contributor does with a scaffold: replace every placeholder with sourced values."""
    values = {
        "country:TODO-origin": "country:PHL", "country:TODO-destination": "country:DEU",
        "isco:TODO-code": "isco:2221", "feature:TODO-feature": "feature:training",
        "traininglocation:TODO-location": "traininglocation:origin-country",
        "recognition:TODO-mechanism": "recognition:equivalence-assessment",
        "todo-organisation": "iom", "organisation:TODO-organisation": "organisation:iom",
        "organisation:iom": "organisation:iom", "role:TODO-role": "role:implementer",
        "skg:startYear 0 ;": "skg:startYear 2015 ;", "owl:annotatedTarget 0 ;": "owl:annotatedTarget 2015 ;",
        "status:TODO-status": "status:active", f"{key}-TODO-source": f"{key}-page",
        '"TODO-https://..."': '"https://example.org/demo"', '"TODO-yyyy-mm-dd"': '"2026-11-25"',
        '"TODO-': '"',
    }
    for old, new in values.items():
        text = text.replace(old, new)
    assert not [line for line in text.splitlines() if "TODO" in line and not line.startswith("#")]
    return text


@pytest.mark.parametrize("kind", ["partnership", "agreement"])
def test_new_scaffolds_a_record_that_validates_once_filled_in(kind: str, tmp_path: Path) -> None:
    ontology = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY, ontology)
    result = CliRunner().invoke(app, ["new", kind, "demo-record", "--ontology", str(ontology)])
    assert result.exit_code == 0, result.stdout
    path = ontology / "partnerships" / "demo-record.ttl"
    text = path.read_text(encoding="utf-8")
    for field in ("skos:prefLabel", "dcterms:description", "skg:originCountry", "skg:hasFeature",
                  "skg:hasParticipation", "skg:startYear", "skg:status", "skg:unconfirmed",
                  "a skg:Source", "a owl:Axiom"):
        assert field in text
    as_scaffolded = validate([path], reason=False)
    assert not as_scaffolded.ok, "placeholders must never pass as data"
    assert any("TODO" in (p.focus or "") + (p.value or "") for p in as_scaffolded.errors)
    path.write_text(_fill(text, "demo-record"), encoding="utf-8")
    filled = validate([path], reason=kind == "partnership")  # the reasoner once is enough
    assert filled.problems == [], [(p.rule, p.message) for p in filled.problems]


def test_new_organisation_goes_to_the_vocabulary_folder(tmp_path: Path) -> None:
    ontology = tmp_path / "ontology"
    (ontology / "vocab").mkdir(parents=True)
    path = create(ontology, "organisation", "demo-agency")
    assert path == ontology / "vocab" / "organisation-demo-agency.ttl"
    assert "organisation:demo-agency a skg:Stakeholder" in path.read_text(encoding="utf-8")


def test_new_refuses_to_overwrite_and_to_take_a_bad_key(tmp_path: Path) -> None:
    ontology = tmp_path / "ontology"
    path = create(ontology, "partnership", "demo")
    path.write_text("# my work\n", encoding="utf-8")
    with pytest.raises(ScaffoldError, match="already exists"):
        create(ontology, "partnership", "demo")
    assert path.read_text(encoding="utf-8") == "# my work\n"
    with pytest.raises(ScaffoldError, match="'triple-win'"):
        render("partnership", "Triple Win", "x.ttl")
    result = CliRunner().invoke(app, ["new", "partnership", "demo", "--ontology", str(ontology)])
    assert result.exit_code == 2
    assert "already exists" in result.output


def test_the_worked_examples_of_contributing_validate(tmp_path: Path) -> None:
    """CONTRIBUTING.md's new concept and new property, added where it says, pass validation."""
    import re

    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```turtle\n(.*?)```", text, flags=re.S)
    concept = next(b for b in blocks if "role:monitoring-body a" in b)
    prop = next(b for b in blocks if "skg:fundedBy a owl:ObjectProperty" in b)
    ontology = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY, ontology)
    with (ontology / "vocab" / "paper-concepts.ttl").open("a", encoding="utf-8") as handle:
        handle.write("\n" + concept)
    with (ontology / "skillkg.ttl").open("a", encoding="utf-8") as handle:
        handle.write("\n" + prop)
    report = validate([ontology / "vocab" / "paper-concepts.ttl", ontology / "skillkg.ttl"], reason=False)
    assert report.problems == [], [(p.rule, p.message) for p in report.problems]
    without_scheme = concept.replace("    skos:inScheme scheme:roles ;\n", "").replace(
        "    skos:topConceptOf scheme:roles ;\n", "")
    (ontology / "vocab" / "extra.ttl").write_text(
        "@prefix role: <https://w3id.org/skillkg/id/role/> .\n"
        "@prefix skg: <https://w3id.org/skillkg/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        + without_scheme.replace("monitoring-body", "auditor"), encoding="utf-8")
    orphan = validate([ontology / "vocab" / "extra.ttl"], reason=False)
    assert [p.rule for p in orphan.problems] == ["orphan-concept"]
