"""Evaluation metrics and the gold file: what `skillkg eval` reports, on hand-computed cases."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from skillkg.evaluation import GoldError, load_gold, ndcg_at, recall_at, reciprocal_rank

A, B, C, D = (f"https://w3id.org/skillkg/id/partnership/{x}" for x in "abcd")


def test_recall_counts_relevant_items_in_the_first_k() -> None:
    assert recall_at([A, B, C], {A, C}, 2) == 0.5
    assert recall_at([A, B, C], {A, C}, 3) == 1.0
    assert recall_at([], {A}, 5) == 0.0


def test_reciprocal_rank_is_one_over_the_first_relevant_rank() -> None:
    assert reciprocal_rank([B, A], {A}) == 0.5
    assert reciprocal_rank([B, C], {A}) == 0.0
    assert reciprocal_rank([B] * 10 + [A], {A}, k=10) == 0.0


def test_ndcg_discounts_late_hits_and_is_one_when_ideal() -> None:
    assert ndcg_at([A, C, B], {A, C}, 10) == pytest.approx(1.0)
    late = ndcg_at([B, D, A], {A}, 10)
    assert late == pytest.approx(1 / math.log2(4))


def test_the_project_gold_file_loads(root: Path) -> None:
    gold = load_gold(root / "tests" / "eval" / "gold.yaml")
    assert len({g.id for g in gold}) == len(gold)


@pytest.mark.parametrize("text, message", [
    ("a: 1\n", "expected a list"),
    ("- question: q\n", "needs 'question' and 'relevant'"),
    ("- question: q\n  relevant: [not-an-iri]\n", "non-empty list of IRIs"),
    ("- id: x\n  question: q\n  relevant: [https://a]\n- id: x\n  question: r\n  relevant: [https://b]\n",
     "duplicate id"),
])
def test_a_malformed_gold_file_names_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gold.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GoldError, match=message):
        load_gold(path)
