"""Pipelines that turn sources (vocabulary data, policy documents) into RDF."""
