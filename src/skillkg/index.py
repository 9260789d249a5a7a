"""Search indexes: embeddings in FAISS and a lexical BM25 index, built from the corpus.

Both are written by ``skillkg build`` into the build folder, beside the store,
and so are swapped in atomically with it.  The folder holds:

=====================  ======================================================
``documents.jsonl``    the :class:`~skillkg.corpus.SearchDocument` of each row
``vectors.npy``        the normalised embedding of each row (float32)
``faiss.index``        the FAISS index over ``vectors.npy``
``bm25/``              the bm25s index over :func:`tokenize` d full texts
``meta.json``          model id, dimension, row count, FAISS index type
=====================  ======================================================

FAISS index type: exact inner product (``IndexFlatIP``) up to
:data:`EXACT_LIMIT` vectors; beyond that an inverted-file index
(``IndexIVFFlat``) with ``nlist = IVF_LISTS_PER_SQRT · √n`` lists, of which
:data:`IVF_NPROBE` are scanned per query, so a search reads about
``IVF_NPROBE / IVF_LISTS_PER_SQRT · √n`` vectors: cost grows with the square
root of the number of vectors, not linearly.  IVF rather than HNSW because it
builds in seconds at a million vectors (k-means on a seeded sample), where an
HNSW graph (M=32, efConstruction=80) took 144 s for 100,000 vectors on two
cores; ``bench/bench_scale.py`` measures its latency and recall@10 against
the exact index at each size.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skillkg.corpus import SearchDocument, collect_documents
from skillkg.embeddings import Embedder, load_embedder
from skillkg.store import Store

#: Above this many vectors, the FAISS index switches from exact to IVF (approximate).
EXACT_LIMIT = 50_000
#: IVF lists per square root of the number of vectors (nlist = 2·√n: 2,000 at a million).
IVF_LISTS_PER_SQRT = 2
#: IVF lists scanned per query.
IVF_NPROBE = 32
#: Training sample for the IVF k-means, per list (FAISS asks for at least 39).
IVF_TRAIN_PER_LIST = 40
IVF_SEED = 1234
#: OpenMP threads FAISS uses once an index is loaded for search (single queries).
SEARCH_THREADS = 1
FORMAT_VERSION = 1

_STOPWORDS = set(
    """a an and are as at be between by for from has have in into is it its of on or that the
    their this to which with what who how where do does any all these those
    le la les un une des du de d l et ou en au aux pour par sur dans entre vers qui que quels
    quelles quel quelle est sont avec ce ces se sa son ses leur leurs""".split()
)


class SearchIndexError(RuntimeError):
    """The index is missing, stale or built with another model; the message says what to do."""


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents: ``Établissement`` → ``etablissement``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _stem(token: str) -> str:
    """A light, language-neutral stemmer: plural and common derivational endings."""
    for suffix in ("ations", "ation", "ements", "ement", "ings", "ing", "ies", "es", "s"):
        if len(token) > len(suffix) + 3 and token.endswith(suffix):
            return token[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return token


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: folded, stop words removed, lightly stemmed, ISCO codes kept."""
    return [
        _stem(t) for t in re.findall(r"[a-z0-9]+", fold(text))
        if t not in _STOPWORDS and (len(t) > 1 or t.isdigit())
    ]


@dataclass
class IndexMeta:
    """What an index was built with; checked when it is loaded."""

    model: str
    dimension: int
    rows: int
    faiss_type: str
    format: int = FORMAT_VERSION


def _faiss_index(vectors: np.ndarray):  # noqa: ANN202 - faiss types are untyped
    """The FAISS index over ``vectors``: exact up to :data:`EXACT_LIMIT` rows, IVF beyond.

    The IVF quantizer is trained on a seeded sample, so the same vectors give the
    same index.  ``nprobe`` is stored in the index file, so a loaded index searches
    as it was built.
    """
    import faiss

    n, dim = vectors.shape
    if n > EXACT_LIMIT:
        return ivf_index(vectors)
    index = faiss.IndexFlatIP(dim)
    if n:
        index.add(vectors)
    return index


def ivf_index(vectors: np.ndarray):  # noqa: ANN201 - faiss types are untyped
    """An ``IndexIVFFlat`` over ``vectors`` (inner product), as :func:`_faiss_index` builds
    beyond :data:`EXACT_LIMIT`; public so benchmarks can compare it with the exact index
    at any size."""
    import faiss

    n, dim = vectors.shape
    nlist = max(1, int(IVF_LISTS_PER_SQRT * np.sqrt(n)))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = IVF_SEED
    sample = min(n, IVF_TRAIN_PER_LIST * nlist)
    rows = np.sort(np.random.default_rng(IVF_SEED).choice(n, size=sample, replace=False))
    index.train(np.ascontiguousarray(vectors[rows], dtype=np.float32))
    index.own_fields = True  # the index keeps the quantizer alive
    quantizer.this.disown()
    index.nprobe = IVF_NPROBE
    index.add(vectors)
    return index


def write_index(docs: list[SearchDocument], vectors: np.ndarray, embedder_id: str,
                out_dir: Path) -> IndexMeta:
    """Write documents, vectors, FAISS and BM25 indexes to ``out_dir`` (replacing it)."""
    import bm25s
    import faiss

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    with (out_dir / "documents.jsonl").open("w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")
    np.save(out_dir / "vectors.npy", vectors)
    index = _faiss_index(vectors)
    faiss.write_index(index, str(out_dir / "faiss.index"))
    retriever = bm25s.BM25()
    retriever.index([tokenize(d.full_text()) or ["_empty_"] for d in docs], show_progress=False)
    retriever.save(str(out_dir / "bm25"), show_progress=False)
    meta = IndexMeta(
        model=embedder_id,
        dimension=int(vectors.shape[1]) if vectors.ndim == 2 else 0,
        rows=len(docs),
        faiss_type=type(index).__name__,
    )
    (out_dir / "meta.json").write_text(json.dumps(meta.__dict__, indent=2), encoding="utf-8")
    return meta


def build_indexes(store: Store, out_dir: Path, progress: object | None = None,
                  embedder: Embedder | None = None) -> dict[str, object]:
    """Collect the corpus from ``store``, embed it, and write the indexes to ``out_dir``."""
    stage = getattr(progress, "stage", None)
    advance = getattr(progress, "advance", None)
    if stage:
        stage("index: corpus, embeddings, FAISS, BM25", total=3)
    docs = collect_documents(store)
    if advance:
        advance("corpus")
    model = embedder or load_embedder()
    vectors = model.embed([d.embedding_text() for d in docs])
    if advance:
        advance("embeddings")
    meta = write_index(docs, vectors, model.id, out_dir)
    if advance:
        advance("indexes")
    return {"documents": meta.rows, "model": meta.model, "dimension": meta.dimension,
            "faiss": meta.faiss_type}


class SearchIndex:
    """A loaded index: documents, vectors, FAISS and BM25, with search by each."""

    def __init__(self, directory: Path) -> None:
        import bm25s
        import faiss

        self.directory = directory
        meta_path = directory / "meta.json"
        if not meta_path.is_file():
            raise SearchIndexError(f"no search index in {directory}: run `skillkg build`")
        raw = json.loads(meta_path.read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT_VERSION:
            raise SearchIndexError(f"the index in {directory} has an old format: run `skillkg build`")
        self.meta = IndexMeta(**raw)
        with (directory / "documents.jsonl").open(encoding="utf-8") as handle:
            self.docs = [SearchDocument(**json.loads(line)) for line in handle]
        self.vectors = np.load(directory / "vectors.npy", mmap_mode="r")
        self.faiss = faiss.read_index(str(directory / "faiss.index"))
        # One query at a time: OpenMP threads only add scheduling delay (measured: p95 16 ms
        # with 2 threads vs 0.7 ms with 1 on 11,000 vectors, on a busy 2-core machine).
        faiss.omp_set_num_threads(SEARCH_THREADS)
        self.bm25 = bm25s.BM25.load(str(directory / "bm25"), show_progress=False)
        self._vocab = set(self.bm25.vocab_dict)
        self.row_of = {d.iri: i for i, d in enumerate(self.docs)}

    def check_model(self, embedder: Embedder) -> None:
        """Raise if ``embedder`` is not the model the index was built with."""
        if embedder.id != self.meta.model or embedder.dimension != self.meta.dimension:
            raise SearchIndexError(
                f"the index was built with {self.meta.model} ({self.meta.dimension} dimensions) "
                f"but the configured model is {embedder.id} ({embedder.dimension}); "
                "rebuild with `skillkg build` or set SKILLKG_EMBED_MODEL back"
            )

    def semantic(self, query_vector: np.ndarray, k: int,
                 rows: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """Rows most similar to ``query_vector``, best first; within ``rows`` if given."""
        if rows is not None:
            subset = np.fromiter(rows, dtype=np.int64)
            if subset.size == 0:
                return []
            scores = np.asarray(self.vectors[subset]) @ query_vector
            order = np.argsort(-scores)[:k]
            return [(int(subset[i]), float(scores[i])) for i in order]
        if self.meta.rows == 0:
            return []
        scores, ids = self.faiss.search(query_vector.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def lexical(self, tokens: list[str], k: int,
                rows: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """Rows with the best BM25 scores for ``tokens``, best first; within ``rows`` if given."""
        known = [t for t in tokens if t in self._vocab]
        if not known or self.meta.rows == 0:
            return []
        scores = self.bm25.get_scores(known)
        if rows is not None:
            subset = np.fromiter(rows, dtype=np.int64)
            if subset.size == 0:
                return []
            sub_scores = scores[subset]
            order = np.argsort(-sub_scores)[:k]
            return [(int(subset[i]), float(sub_scores[i])) for i in order if sub_scores[i] > 0]
        top = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
