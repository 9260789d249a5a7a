"""Evaluation of search against a gold set of questions and their relevant IRIs.

The gold set (``tests/eval/gold.yaml``) lists questions in English and French
with the IRIs a researcher would expect.  :func:`evaluate` runs each question
in each search mode and reports, per mode:

* **recall@5**: the share of relevant IRIs found in the top five, averaged;
* **MRR**: the mean of 1 / rank of the first relevant result (0 if none in the top 10);
* **nDCG@10**: discounted cumulative gain of the top ten with binary relevance,
  normalised by the ideal ordering.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from skillkg.search import MODES, Searcher


class GoldError(ValueError):
    """The gold file is malformed; the message names the entry."""


@dataclass(frozen=True)
class GoldQuestion:
    """One question of the gold set."""

    id: str
    question: str
    relevant: tuple[str, ...]
    language: str = "en"
    type: str | None = None


@dataclass
class ModeScores:
    """Averaged metrics of one mode over the gold set."""

    mode: str
    recall_at_5: float = 0.0
    mrr: float = 0.0
    ndcg_at_10: float = 0.0
    per_question: dict[str, dict[str, float]] = field(default_factory=dict)


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read and check the gold file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise GoldError(f"{path}: expected a list of questions")
    out = []
    seen: set[str] = set()
    for i, entry in enumerate(data):
        where = f"{path} entry {i + 1}"
        if not isinstance(entry, dict) or "question" not in entry or "relevant" not in entry:
            raise GoldError(f"{where}: needs 'question' and 'relevant'")
        qid = str(entry.get("id") or f"q{i + 1}")
        if qid in seen:
            raise GoldError(f"{where}: duplicate id {qid!r}")
        seen.add(qid)
        relevant = entry["relevant"]
        if not relevant or not all(isinstance(r, str) and r.startswith("https://") for r in relevant):
            raise GoldError(f"{where}: 'relevant' must be a non-empty list of IRIs")
        out.append(GoldQuestion(qid, entry["question"], tuple(relevant),
                                entry.get("language", "en"), entry.get("type")))
    return out


def recall_at(ranked: list[str], relevant: set[str], k: int) -> float:
    """Share of ``relevant`` found among the first ``k`` of ``ranked``."""
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    """1 / rank of the first relevant item in the first ``k``, else 0."""
    for i, iri in enumerate(ranked[:k], start=1):
        if iri in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at(ranked: list[str], relevant: set[str], k: int) -> float:
    """Normalised discounted cumulative gain at ``k`` with binary relevance."""
    dcg = sum(1.0 / math.log2(i + 1) for i, iri in enumerate(ranked[:k], start=1)
              if iri in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal if ideal else 0.0


def evaluate(searcher: Searcher, gold: list[GoldQuestion],
             modes: tuple[str, ...] = MODES) -> list[ModeScores]:
    """Run every gold question in every mode; return the averaged scores per mode."""
    table = []
    for mode in modes:
        scores = ModeScores(mode)
        for q in gold:
            response = searcher.search(q.question, k=10, type=q.type, mode=mode,
                                       language=q.language)
            ranked = [r.iri for r in response.results]
            rel = set(q.relevant)
            s = {
                "recall@5": recall_at(ranked, rel, 5),
                "mrr": reciprocal_rank(ranked, rel, 10),
                "ndcg@10": ndcg_at(ranked, rel, 10),
            }
            scores.per_question[q.id] = s
        n = len(gold) or 1
        scores.recall_at_5 = sum(s["recall@5"] for s in scores.per_question.values()) / n
        scores.mrr = sum(s["mrr"] for s in scores.per_question.values()) / n
        scores.ndcg_at_10 = sum(s["ndcg@10"] for s in scores.per_question.values()) / n
        table.append(scores)
    return table


def markdown_table(scores: list[ModeScores], questions: int) -> str:
    """The scores as a Markdown table, as the README shows it."""
    lines = [
        f"| mode ({questions} questions) | recall@5 | MRR | nDCG@10 |",
        "|---|---:|---:|---:|",
    ]
    for s in scores:
        lines.append(f"| {s.mode} | {s.recall_at_5:.3f} | {s.mrr:.3f} | {s.ndcg_at_10:.3f} |")
    return "\n".join(lines)
