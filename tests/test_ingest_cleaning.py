"""Cleaning: OCR repair, page furniture, footnotes and paragraphs, on the real IOM paper S/25/5."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from skillkg.ingest.cleaning import FOOTNOTE, NUMBERED, CleanDocument, clean, is_furniture, repair

PAPER = Path(__file__).resolve().parents[1] / "ingest" / "sources" / \
    "iom-s-25-5-skills-mobility-partnerships.fr.txt"


@pytest.fixture(scope="module")
def paper() -> CleanDocument:
    return clean(PAPER.read_text(encoding="utf-8"), "fr")


def test_the_paper_has_31_numbered_paragraphs_and_one_footnote(paper: CleanDocument) -> None:
    numbered = paper.numbered()
    assert [p.number for p in numbered] == list(range(1, 32))
    assert [p.key for p in numbered] == [str(n) for n in range(1, 32)]
    assert [(p.key, p.kind) for p in paper.footnotes()] == [("fn1", FOOTNOTE)]
    assert paper.footnotes()[0].text == ("Processus consultatif régional sur l'emploi outre-mer et la "
                                         "main-d'œuvre contractuelle pour les pays d'origine en Asie.")
    assert [p.order for p in paper.passages] == list(range(1, 33))
    assert len(paper.passages) == 32  # nothing else: no title or heading passages


def test_the_title_and_headings_are_found_and_sections_recorded(paper: CleanDocument) -> None:
    assert paper.title.startswith("MIGRATION ET PARTENARIATS FONDES SUR LES COMPETENCES")
    assert paper.headings[0] == "Introduction" and paper.headings[-1] == "Conclusion"
    assert "Expérience de l'OIM" in paper.headings  # repaired from "Expérience de I’'OIM"
    assert paper.passage("7").section == (
        "Contexte : partenariats fondés sur les compétences et leurs avantages")
    assert paper.passage("10").section == "Défis"


@pytest.mark.parametrize("artefact", ["I'OIM", "I’Organisation", "d’ceuvre", "|'", " 3 ce que", "étre",
                                      " colt ", "colits", "s(res", "d@", "I’'", "I\"'", "cceur",
                                      "matiére", "systémes", "gue dans", "lls "])
def test_ocr_artefacts_are_repaired_everywhere(paper: CleanDocument, artefact: str) -> None:
    assert artefact in PAPER.read_text(encoding="utf-8")  # the artefact is really in the source
    for p in paper.passages:
        assert artefact not in p.text, f"§{p.key} still has {artefact!r}"


def test_repairs_restore_the_words(paper: CleanDocument) -> None:
    assert paper.passage("2").text.startswith("Dans le présent document, l'OIM s'inspire")
    assert "mobilité de la main-d'œuvre croissante" in paper.passage("1").text
    assert "De même, l'évolution des modalités" in paper.passage("1").text
    assert "de veiller à ce que cette coopération profite à tous" in paper.passage("1").text
    assert "En ce qui concerne le bien-être des migrants" in paper.passage("7").text
    assert "si leur coût est partagé" in paper.passage("6").text
    assert "Pacte mondial pour des migrations sûres, ordonnées et régulières" in paper.passage("20").text
    assert "ce qui peut être dû au fait" in paper.passage("12").text
    assert "au cœur de toutes leurs composantes" in paper.passage("22").text
    assert "Réduction et partage des coûts" in paper.passage("30").text
    assert "à faciliter des consultations" in paper.passage("15").text
    assert paper.repairs["l-apostrophe"] > 50 and paper.repairs["misread-word"] > 50


def test_page_headers_are_removed_and_paragraphs_joined_across_pages(paper: CleanDocument) -> None:
    assert paper.furniture_removed == 2  # "S/25/5" and "Page 6"
    text = " ".join(p.text for p in paper.passages)
    assert "S/25/5" not in text and "Page 6" not in text
    # §24 runs across the page break under the header
    assert "par exemple dans les domaines suivants : migration, éducation et coopération connexe" in \
        paper.passage("24").text
    # §20 runs on after the footnote that interrupts it at the foot of the page
    assert "axé sur la demande et sur la facilitation de la reconnaissance mutuelle" in \
        paper.passage("20").text
    assert paper.passage("20").text.endswith("de l'économie informelle vers la formalité.")
    # §1 runs across a blank line in the middle of a sentence
    assert "une mobilité de la main-d'œuvre croissante" in paper.passage("1").text


def test_lines_are_reassembled_into_one_paragraph(paper: CleanDocument) -> None:
    for p in paper.passages:
        assert "\n" not in p.text and "  " not in p.text
    assert paper.passage("7").text == (
        "En ce qui concerne le bien-être des migrants, qui est un principe fondamental, tous les "
        "partenariats pour la mobilité des compétences présentent les cinq caractéristiques suivantes : "
        "coopération officielle des États, participation multipartite, formation, reconnaissance des "
        "compétences, et migration/mobilité.")


def test_the_footnote_call_is_removed_and_recorded(paper: CleanDocument) -> None:
    assert "notamment le Processus de Colombo, à faciliter" in paper.passage("15").text
    assert "Colombo?" not in paper.passage("15").text
    assert paper.passage("15").footnotes == [1]


def test_an_ocr_comma_after_a_paragraph_number_still_starts_the_paragraph(paper: CleanDocument) -> None:
    assert "24, Approche" in PAPER.read_text(encoding="utf-8")
    assert paper.passage("24").text.startswith("Approche multipartite et cohérence des politiques")


def test_pages_from_a_pdf_drop_repeated_headers_and_page_numbers() -> None:
    pages = [f"Skills report\n{n}. Paragraph {n} starts here and goes on to\nline {n + 1}.\n\n{n}"
             for n in range(1, 5)]
    doc = clean("\f".join(pages), "en")
    assert [p.text for p in doc.passages] == [
        f"Paragraph {n} starts here and goes on to line {n + 1}." for n in range(1, 5)]
    assert doc.furniture_removed == 8  # four running heads, four page numbers


def test_unnumbered_text_splits_at_blank_lines_and_lettered_items() -> None:
    text = ("Objective 5: Regular pathways\n\nWe commit to adapt options and path-\nways for regular "
            "migration.\nTo realize this, we will:\n(a) Develop agreements;\n(b) Facilitate mobility;\n")
    doc = clean(text, "en")
    assert doc.headings == ["Objective 5: Regular pathways"]
    assert [(p.key, p.kind, p.text) for p in doc.passages] == [
        ("p1", "paragraph", "We commit to adapt options and pathways for regular migration. "
                            "To realize this, we will:"),
        ("p2", "paragraph", "(a) Develop agreements;"),
        ("p3", "paragraph", "(b) Facilitate mobility;"),
    ]
    assert all(p.section == "Objective 5: Regular pathways" for p in doc.passages)
    assert not any(p.kind == NUMBERED for p in doc.passages)


def test_french_repairs_are_not_applied_to_english() -> None:
    counts: Counter[str] = Counter()
    assert repair("I'm told A plan & a budget", "en", counts) == "I'm told A plan & a budget"
    assert repair("l’OIM a réuni — y compris", "fr", counts) == "l'OIM a réuni — y compris"
    assert counts == Counter({"typographic-apostrophe": 1})


def test_a_verb_a_is_kept_and_the_preposition_before_an_infinitive_gets_its_accent() -> None:
    assert repair("elle a institué", "fr") == "elle a institué"
    assert repair("prêt a investir et a se préoccuper", "fr") == "prêt à investir et à se préoccuper"
    assert repair("A cette fin, il a lieu", "fr") == "À cette fin, il a lieu"


@pytest.mark.parametrize("line", ["S/25/5", "Page 6", "page 12 of 40", "- 3 -", "A/RES/73/195", "iv"])
def test_running_heads_and_page_numbers_are_furniture(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize("line", ["1. Dans le contexte", "Introduction", "2019, par exemple", "Défis"])
def test_text_lines_are_not_furniture(line: str) -> None:
    assert not is_furniture(line)


def test_no_passage_starts_with_a_stray_number(paper: CleanDocument) -> None:
    for p in paper.passages:
        assert not re.match(r"\d", p.text), p.key
