"""Hot paths: the embedding model is loaded once per process and query vectors are cached."""

from __future__ import annotations

import numpy as np
import pytest

from skillkg.embeddings import QUERY_CACHE_SIZE, Embedder, load_embedder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder()


def test_the_model_is_loaded_once_per_process(embedder: Embedder) -> None:
    assert load_embedder() is embedder
    assert load_embedder(embedder.name) is load_embedder(embedder.name)


def test_a_repeated_query_is_answered_from_the_cache(embedder: Embedder,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    encode = embedder.model.encode  # type: ignore[attr-defined]

    def counting_encode(texts: list[str], **kwargs: object) -> np.ndarray:
        calls.append(list(texts))
        return encode(texts, **kwargs)

    monkeypatch.setattr(embedder.model, "encode", counting_encode)
    question = "nursing partnerships between the Philippines and Germany (cache test)"
    first = embedder.embed_query(question)
    assert calls == [[question]]
    second = embedder.embed_query(question)
    assert calls == [[question]], "the second call must not reach the model"
    assert np.array_equal(first, second)
    embedder.embed_query(question + " — another question")
    assert len(calls) == 2


def test_the_cache_forgets_the_least_recently_used_query(embedder: Embedder,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake_embed(texts: list[str], **_: object) -> np.ndarray:
        calls.extend(texts)
        return np.ones((len(texts), embedder.dimension), dtype=np.float32)

    monkeypatch.setattr(embedder, "embed", fake_embed)
    oldest = "lru test: the oldest question"
    embedder.embed_query(oldest)
    for i in range(QUERY_CACHE_SIZE):
        embedder.embed_query(f"lru test: question {i}")
    calls.clear()
    embedder.embed_query(oldest)  # pushed out by QUERY_CACHE_SIZE newer ones
    assert calls == [oldest]
