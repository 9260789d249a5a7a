// The skillkg web page: search with explanations, and a SPARQL editor with a results table.
// Plain JavaScript, no dependencies, so the page works offline.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// The local page of a skillkg IRI, or the IRI itself.
function pageOf(iri) {
  const id = "https://w3id.org/skillkg/id/";
  const onto = "https://w3id.org/skillkg/ontology#";
  if (iri.startsWith(id)) return "/id/" + iri.slice(id.length);
  if (iri.startsWith(onto)) return "/ontology#" + iri.slice(onto.length);
  return iri;
}

async function errorText(response) {
  try {
    const body = await response.json();
    return body.detail || response.statusText;
  } catch (e) {
    return response.statusText;
  }
}

// -- search ------------------------------------------------------------------------------

function showInterpretation(interp) {
  const box = $("interpretation");
  box.replaceChildren();
  const links = interp.links || [];
  const understood = links.length
    ? links.map((l) => `${l.text} → ${l.label || l.iri.split("/id/").pop()}`).join("; ")
    : "no entity linked";
  const parts = [`language ${interp.language}`, `looking for ${interp.target}`, understood];
  if ((interp.either_direction || []).length) parts.push("between places (either direction)");
  if ((interp.origins || []).length) parts.push("with an origin");
  if ((interp.destinations || []).length) parts.push("with a destination");
  box.append(el("p", {}, "Understood: " + parts.join(" · ")));
}

function showResults(answer) {
  const list = $("results");
  list.replaceChildren();
  for (const r of answer.results) {
    const why = el("ul", { class: "why" }, ...r.why.map((w) => el("li", { "data-kind": w.kind }, w.detail)));
    const item = el("li", { class: "result", "data-iri": r.iri },
      el("a", { href: pageOf(r.iri), class: "result-label" }, r.label),
      " ", el("span", { class: "kind" }, r.kind),
      " ", el("span", { class: "score" }, r.score.toFixed(4)),
      r.snippet ? el("p", { class: "snippet" }, r.snippet) : null,
      why);
    list.append(item);
  }
  const box = $("search-sparql-box");
  if (answer.sparql) {
    $("search-sparql").textContent = answer.sparql;
    box.hidden = false;
  } else {
    box.hidden = true;
  }
}

async function runSearch(event) {
  event.preventDefault();
  const q = $("q").value.trim();
  const status = $("search-status");
  if (!q) {
    status.textContent = "Type a question first.";
    return;
  }
  const params = new URLSearchParams({ q, k: "10" });
  if ($("type").value) params.set("type", $("type").value);
  status.textContent = "Searching…";
  $("results").replaceChildren();
  try {
    const response = await fetch("/search?" + params.toString(), { headers: { Accept: "application/json" } });
    if (!response.ok) {
      status.textContent = "Error: " + (await errorText(response));
      return;
    }
    const answer = await response.json();
    // the address bar holds the question, so a search can be bookmarked and shared
    history.replaceState(null, "", "/?" + params.toString());
    showInterpretation(answer.interpretation);
    showResults(answer);
    const relaxed = answer.relaxed && answer.relaxed.length ? ` (relaxed: ${answer.relaxed.join(", ")})` : "";
    status.textContent = `${answer.results.length} results in ${Math.round(answer.took_ms)} ms${relaxed}`;
  } catch (e) {
    status.textContent = "Error: " + e;
  }
}

// -- SPARQL ------------------------------------------------------------------------------

function cell(binding) {
  if (!binding) return el("td", {});
  if (binding.type === "uri") {
    return el("td", {}, el("a", { href: pageOf(binding.value) }, binding.value));
  }
  const lang = binding["xml:lang"] ? el("span", { class: "lang" }, binding["xml:lang"]) : null;
  return el("td", {}, binding.value, lang ? " " : null, lang);
}

function showTable(data) {
  const table = $("sparql-results");
  table.replaceChildren();
  if ("boolean" in data) {
    table.append(el("tbody", {}, el("tr", {}, el("td", {}, String(data.boolean)))));
    return 1;
  }
  const vars = data.head.vars;
  table.append(el("thead", {}, el("tr", {}, ...vars.map((v) => el("th", {}, v)))));
  const body = el("tbody", {});
  for (const row of data.results.bindings) {
    body.append(el("tr", {}, ...vars.map((v) => cell(row[v]))));
  }
  table.append(body);
  return data.results.bindings.length;
}

async function runQuery() {
  const status = $("sparql-status");
  const query = $("sparql-editor").value;
  status.textContent = "Running…";
  $("sparql-results").replaceChildren();
  try {
    const response = await fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/sparql-query",
        Accept: "application/sparql-results+json, text/turtle;q=0.9",
      },
      body: query,
    });
    if (!response.ok) {
      status.textContent = "Error: " + (await errorText(response));
      return;
    }
    const type = response.headers.get("content-type") || "";
    if (type.includes("sparql-results+json")) {
      const rows = showTable(await response.json());
      status.textContent = `${rows} rows`;
    } else {
      const text = await response.text();
      $("sparql-results").append(el("tbody", {}, el("tr", {}, el("td", {}, el("pre", {}, text)))));
      status.textContent = `${response.headers.get("x-result-count") || "?"} triples`;
    }
  } catch (e) {
    status.textContent = "Error: " + e;
  }
}

function loadExamples() {
  const data = JSON.parse($("example-data").textContent || "[]");
  const byName = Object.fromEntries(data.map((e) => [e.name, e]));
  $("examples").addEventListener("change", (event) => {
    const ex = byName[event.target.value];
    if (ex) $("sparql-editor").value = ex.query;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("search-form").addEventListener("submit", runSearch);
  $("run-query").addEventListener("click", runQuery);
  $("open-in-editor").addEventListener("click", () => {
    $("sparql-editor").value = $("search-sparql").textContent;
    $("sparql-editor").scrollIntoView();
  });
  loadExamples();
  // a shared link (/?q=…&type=…) runs its search on arrival
  const shared = new URLSearchParams(window.location.search);
  if (shared.get("q")) {
    $("q").value = shared.get("q");
    if (shared.get("type")) $("type").value = shared.get("type");
    $("search-form").requestSubmit();
  }
});
