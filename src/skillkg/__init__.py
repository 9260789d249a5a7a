"""skillkg: a knowledge graph and semantic search over skills mobility partnerships."""

__version__ = "0.1.0"
