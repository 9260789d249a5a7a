"""Writing query results in the standard formats.

``SELECT`` and ``ASK`` results: SPARQL 1.1 Query Results JSON and XML, CSV and
TSV.  ``CONSTRUCT`` and ``DESCRIBE`` results: Turtle, N-Triples, JSON-LD and
RDF/XML.  The CLI and the HTTP endpoint both write through this module.
"""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from skillkg import iris
from skillkg.store import AskResult, GraphResult, QueryResult, SelectResult, Term

#: Media types by format name, for results of SELECT/ASK queries.
TABULAR_MEDIA_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}

#: Media types by format name, for results of CONSTRUCT/DESCRIBE queries.
GRAPH_MEDIA_TYPES: dict[str, str] = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}

_GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


class FormatError(ValueError):
    """The requested format does not fit the result (e.g. CSV for a CONSTRUCT)."""


def term_json(t: Term) -> dict[str, str]:
    """One term as a binding of the SPARQL 1.1 JSON results format."""
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != iris.XSD + "string":
        out["datatype"] = t.datatype.value
    return out


def _json(result: SelectResult | AskResult) -> str:
    if isinstance(result, AskResult):
        return json.dumps({"head": {}, "boolean": result.value})
    bindings = [
        {v: term_json(t) for v, t in zip(result.variables, row, strict=True) if t is not None}
        for row in result.rows
    ]
    return json.dumps(
        {"head": {"vars": result.variables}, "results": {"bindings": bindings}},
        ensure_ascii=False,
    )


def _xml_term(t: Term) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    attrs = ""
    if t.language:
        attrs = f" xml:lang={quoteattr(t.language)}"
    elif t.datatype.value != iris.XSD + "string":
        attrs = f" datatype={quoteattr(t.datatype.value)}"
    return f"<literal{attrs}>{escape(t.value)}</literal>"


def _xml(result: SelectResult | AskResult) -> str:
    head = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
    if isinstance(result, AskResult):
        return head + f"<head/>\n<boolean>{str(result.value).lower()}</boolean>\n</sparql>\n"
    parts = [head, "<head>"]
    parts += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    parts.append("</head>\n<results>\n")
    for row in result.rows:
        parts.append("<result>")
        for v, t in zip(result.variables, row, strict=True):
            if t is not None:
                parts.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
        parts.append("</result>\n")
    parts.append("</results>\n</sparql>\n")
    return "".join(parts)


def _delimited(result: SelectResult | AskResult, tsv: bool) -> str:
    if isinstance(result, AskResult):
        raise FormatError("ASK results have no CSV/TSV form; use json or xml")
    buf = io.StringIO()
    if tsv:
        buf.write("\t".join("?" + v for v in result.variables) + "\n")
        for row in result.rows:
            buf.write("\t".join("" if t is None else str(t) for t in row) + "\n")
        return buf.getvalue()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else t.value for t in row])
    return buf.getvalue()


def _used_prefixes(triples: list[ox.Triple]) -> dict[str, str]:
    """The project prefixes that some IRI of ``triples`` starts with."""
    used: dict[str, str] = {}
    iri_values = {
        term.value
        for t in triples
        for term in (t.subject, t.predicate, t.object)
        if isinstance(term, ox.NamedNode)
    }
    for name, ns in iris.PREFIXES.items():
        if any(v.startswith(ns) for v in iri_values):
            used[name] = ns
    return used


def serialize(result: QueryResult, fmt: str) -> str:
    """Write ``result`` in ``fmt``: json, xml, csv, tsv (SELECT/ASK) or turtle, ntriples,
    jsonld, rdfxml (CONSTRUCT/DESCRIBE)."""
    if isinstance(result, GraphResult):
        if fmt not in _GRAPH_FORMATS:
            raise FormatError(
                f"format {fmt!r} does not fit a CONSTRUCT/DESCRIBE result; use one of "
                + ", ".join(_GRAPH_FORMATS)
            )
        prefixes = _used_prefixes(result.triples) if fmt == "turtle" else None
        data = ox.serialize(result.triples, format=_GRAPH_FORMATS[fmt], prefixes=prefixes)
        return (data or b"").decode("utf-8")
    if fmt == "json":
        return _json(result)
    if fmt == "xml":
        return _xml(result)
    if fmt in ("csv", "tsv"):
        return _delimited(result, fmt == "tsv")
    raise FormatError(
        f"format {fmt!r} does not fit a SELECT/ASK result; use one of "
        + ", ".join(TABULAR_MEDIA_TYPES)
    )


def compact(t: Term | None) -> str:
    """A short human-readable form of a term: prefixed name, or the literal's text."""
    if t is None:
        return ""
    if isinstance(t, ox.NamedNode):
        best = ""
        for name, ns in iris.PREFIXES.items():
            if t.value.startswith(ns) and len(ns) > len(best):
                best, best_name = ns, name
        if best:
            local = t.value[len(best):]
            return f"{best_name}:{local}"
        return t.value
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    return t.value
