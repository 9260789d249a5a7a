"""The skillkg HTTP API: search, a SPARQL 1.1 endpoint and linked-data pages."""
