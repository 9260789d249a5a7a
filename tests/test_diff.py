"""`skillkg diff`: a semantic diff of ontology/ between git revisions, as Markdown for a pull request."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skillkg.cli import app
from skillkg.semdiff import DiffError, diff_revisions

ROOT = Path(__file__).resolve().parents[1]

PREFIXES = """\
@prefix country: <https://w3id.org/skillkg/id/country/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix feature: <https://w3id.org/skillkg/id/feature/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix partnership: <https://w3id.org/skillkg/id/partnership/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skg: <https://w3id.org/skillkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix source: <https://w3id.org/skillkg/id/source/> .
"""

FOUR_FEATURES = ["state-cooperation", "multi-stakeholder-participation", "training", "skills-recognition"]


def record(features: list[str], french: str) -> str:
    """A small record of the temporary repository, with one axiom per feature."""
    axioms = "".join(
        f"\n[] a owl:Axiom ; owl:annotatedSource partnership:demo ; owl:annotatedProperty skg:hasFeature ;"
        f" owl:annotatedTarget feature:{f} ; dcterms:source source:demo-page .\n" for f in features)
    return PREFIXES + f"""
partnership:demo a skg:Partnership ;
    skos:prefLabel "Demo partnership"@en, "{french}"@fr ;
    skg:originCountry country:PHL ;
    skg:hasFeature {", ".join("feature:" + f for f in features)} ;
    dcterms:source source:demo-page .

source:demo-page a skg:Source ; dcterms:title "Demo page"@en ; skg:url "https://example.org/demo" .
""" + axioms


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=skillkg tests", "-c", "user.email=tests@example.org",
         "-c", "commit.gpgsign=false", *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository with two commits of a small ontology/ and an uncommitted change.

    Commit 1: a partnership with four of the five SMP features.
    Commit 2: its fifth feature (so the reasoner classifies it), a new French label,
    a new class, and a removed partnership.
    Working tree: a second origin country.
    """
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path_factory.mktemp("repo")
    onto = root / "ontology"
    (onto / "vocab").mkdir(parents=True)
    (onto / "partnerships").mkdir()
    shutil.copy(ROOT / "ontology" / "skillkg.ttl", onto / "skillkg.ttl")
    shutil.copy(ROOT / "ontology" / "vocab" / "paper-concepts.ttl", onto / "vocab" / "paper-concepts.ttl")
    (onto / "partnerships" / "demo.ttl").write_text(record(FOUR_FEATURES, "Partenariat démo"))
    (onto / "partnerships" / "old.ttl").write_text(
        PREFIXES + 'partnership:old a skg:Partnership ; skos:prefLabel "Old scheme"@en .\n')
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "four features")
    (onto / "partnerships" / "demo.ttl").write_text(
        record([*FOUR_FEATURES, "migration-mobility"], "Partenariat de démonstration"))
    (onto / "partnerships" / "old.ttl").unlink()
    with (onto / "skillkg.ttl").open("a", encoding="utf-8") as handle:
        handle.write('\nskg:Apprenticeship a owl:Class ; rdfs:subClassOf skg:Qualification ;\n'
                     '    rdfs:label "apprenticeship"@en, "apprentissage"@fr .\n')
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "fifth feature")
    (onto / "partnerships" / "demo.ttl").write_text(
        record([*FOUR_FEATURES, "migration-mobility"], "Partenariat de démonstration").replace(
            "skg:originCountry country:PHL ;", "skg:originCountry country:PHL, country:IDN ;"))
    return root


def test_diff_between_two_commits_reads_like_a_review(repo: Path) -> None:
    diff = diff_revisions(repo, "HEAD~1", "HEAD")
    md = diff.to_markdown()
    assert md.startswith("## Ontology changes: `HEAD~1` → `HEAD`")
    # files
    assert "| `ontology/partnerships/old.ttl` | removed |" in md
    assert "| `ontology/partnerships/demo.ttl` | modified |" in md
    # a class added, an individual removed, an individual changed
    assert "➕ added `skg:Apprenticeship` — apprenticeship" in md
    assert "➖ removed `partnership:old` — Old scheme" in md
    assert "✏️ changed `partnership:demo` — Demo partnership" in md
    assert '- skos:prefLabel: − `"Partenariat démo"@fr`, + `"Partenariat de démonstration"@fr`' in md
    assert "- skg:hasFeature: + `feature:migration-mobility`" in md
    # the source of the new fact, from its owl:Axiom
    assert "- dcterms:source of `skg:hasFeature feature:migration-mobility`: + `source:demo-page`" in md
    # what the reasoner now concludes
    assert "Newly classified as skills mobility partnerships" in md
    assert "- `partnership:demo`" in md
    newly = [t for t in diff.inferred_added or [] if t[2].endswith("#SkillsMobilityPartnership")]
    assert [t[0] for t in newly] == ["https://w3id.org/skillkg/id/partnership/demo"]
    assert any(t[1].endswith("#contributesTo") and t[2].endswith("/sdg/4") for t in diff.inferred_added or [])


def test_diff_against_the_working_tree(repo: Path) -> None:
    diff = diff_revisions(repo, "HEAD", reason=False)
    md = diff.to_markdown()
    assert "`HEAD` → `working tree`" in md
    assert "- skg:originCountry: + `country:IDN`" in md
    assert "Not computed" in md
    [(changed, plus, minus)] = diff.changed
    assert changed.iri.endswith("/partnership/demo") and not minus


def test_no_change_says_so(repo: Path) -> None:
    md = diff_revisions(repo, "HEAD", "HEAD", reason=False).to_markdown()
    assert "No change to `ontology/`." in md


def test_an_unknown_revision_is_named(repo: Path) -> None:
    with pytest.raises(DiffError, match="no-such-branch"):
        diff_revisions(repo, "no-such-branch")


def test_a_file_that_does_not_parse_is_left_out_with_a_warning(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    shutil.copytree(repo, clone)
    (clone / "ontology" / "partnerships" / "broken.ttl").write_text("partnership:x a .\n")
    md = diff_revisions(clone, "HEAD", reason=False).to_markdown()
    assert "> ⚠️ `partnerships/broken.ttl` does not parse at working tree" in md


def test_diff_between_two_real_revisions_of_this_repository() -> None:
    """The oldest and the newest commits that touched ontology/ (or the working tree if only one did)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    revisions = git(ROOT, "log", "--format=%h", "--", "ontology").split()
    base = revisions[-1]
    head = revisions[0] if len(revisions) > 1 else None
    diff = diff_revisions(ROOT, base, head, reason=False)
    md = diff.to_markdown()
    changed_files = git(ROOT, "diff", "--name-only", base, *([head] if head else []), "--", "ontology")
    changed_files += "\n" + (git(ROOT, "ls-files", "--others", "--exclude-standard", "ontology")
                             if head is None else "")
    for name in filter(None, changed_files.splitlines()):
        assert f"`{name}`" in md
    assert md.startswith(f"## Ontology changes: `{base}` → `{head or 'working tree'}`")
    for _rel, change, _before, _after in diff.files:
        assert change in ("added", "removed", "modified")
    for entity in diff.added:
        assert entity.category in ("class", "property", "individual")


def test_the_cli_prints_markdown_and_appends_it_to_a_summary_file(repo: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLKG_HOME", str(repo))
    summary = tmp_path / "summary.md"
    summary.write_text("# CI summary\n")
    result = CliRunner().invoke(app, ["diff", "HEAD~1", "HEAD", "--no-reason", "--output", str(summary)])
    assert result.exit_code == 0, result.output
    assert "➖ removed `partnership:old`" in result.stdout
    assert summary.read_text().startswith("# CI summary\n## Ontology changes")
    bad = CliRunner().invoke(app, ["diff", "no-such-branch"])
    assert bad.exit_code == 2 and "no-such-branch" in bad.output
