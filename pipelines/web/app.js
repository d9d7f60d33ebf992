// medkg web page: vanilla JS, no external fetches. Every value from the server goes into the
// DOM through textContent / setAttribute (never innerHTML), so note text cannot inject markup.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
// layout constants: keep in step with pipelines/html.py
const NODE_W = 168, NODE_H = 38, COL_W = 256, ROW_H = 62, PAD = 12, LABEL_CHARS = 24, DISEASE_GAP = 150;
const MAX_PATHS_DRAWN = 6;
const SYMBOLS = { absent: "✗", possible: "?", hypothetical: "?", historical: "hx", family: "⌂", other: "⌂" };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v; else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const short = (t, n = LABEL_CHARS) => (t.length <= n ? t : t.slice(0, n - 1) + "…");
const pct = (p) => (p >= 0.001 ? (p * 100).toFixed(1) + "%" : (p * 100).toPrecision(2) + "%");

async function api(method, path, body) {
  const opts = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) {
    const msg = data && data.error ? data.error : `HTTP ${resp.status}`;
    throw new Error(msg);
  }
  return data;
}

// ------------------------------------------------------------------ note highlighting
function assertionTitle(f) {
  let t = `${f.label} (${f.concept_id}): ${f.assertion}`;
  if (f.trigger) t += `; trigger: “${f.trigger}”`;
  if (f.used_as) t += `; used as ${f.used_as}`;
  if (f.section) t += `; section ${f.section}`;
  return t;
}

function renderNote(text, findings) {
  const view = $("note-view");
  view.replaceChildren();
  const spans = findings
    .filter((f) => f.start >= 0 && f.end > f.start && f.end <= text.length)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let pos = 0;
  for (const f of spans) {
    if (f.start < pos) continue;
    view.append(document.createTextNode(text.slice(pos, f.start)));
    const mark = el("mark", {
      class: `f f-${f.assertion}`, title: assertionTitle(f), tabindex: 0,
      "data-concept": f.concept_id, "data-assertion": f.assertion,
    }, text.slice(f.start, f.end));
    if (SYMBOLS[f.assertion]) mark.append(el("span", { class: "sym", "aria-hidden": "true" }, SYMBOLS[f.assertion]));
    mark.append(el("span", { class: "sr" }, ` (${f.assertion}${f.trigger ? ", trigger " + f.trigger : ""})`));
    view.append(mark);
    pos = f.end;
  }
  view.append(document.createTextNode(text.slice(pos)));
}

function renderFindingsTable(findings) {
  const tbody = $("findings-table").querySelector("tbody");
  tbody.replaceChildren();
  for (const f of findings) {
    tbody.append(el("tr", {},
      el("td", {}, f.label || f.concept_id, " ", el("span", { class: "muted" }, f.concept_id)),
      el("td", {}, f.text), el("td", {}, f.assertion), el("td", {}, f.used_as),
      el("td", {}, f.trigger), el("td", {}, f.section)));
  }
}

// ------------------------------------------------------------------ evidence path drawing
// Order a path's edges into a chain starting at the finding (same as pipelines/html.py chain_of).
function chainOf(path) {
  const labels = new Map([[path.finding, path.finding_label || path.finding]]);
  for (const e of path.edges) {
    if (!labels.has(e.subject)) labels.set(e.subject, e.subject_label || e.subject);
    if (!labels.has(e.object)) labels.set(e.object, e.object_label || e.object);
  }
  const nodes = [path.finding], links = [];
  const unused = path.edges.slice();
  while (unused.length) {
    const cur = nodes[nodes.length - 1];
    const i = unused.findIndex((e) => e.subject === cur || e.object === cur);
    if (i < 0) break;
    const e = unused.splice(i, 1)[0];
    const other = e.subject === cur ? e.object : e.subject;
    nodes.push(other);
    const a = nodes.length - 2, b = nodes.length - 1;
    links.push(e.subject === cur ? [a, b, e] : [b, a, e]);
  }
  return { nodes: nodes.map((n) => [n, labels.get(n) || n]), links };
}

let svgCounter = 0;

function drawEvidence(dx) {
  const paths = dx.evidence_paths.filter((p) => p.edges.length).slice(0, MAX_PATHS_DRAWN);
  if (!paths.length) return el("p", { class: "muted" }, "No evidence path to draw.");
  const diseaseIds = new Set([dx.id, ...dx.equivalent_ids]);
  const rows = paths.map((p) => {
    const { nodes, links } = chainOf(p);
    const last = nodes.length - 1;
    if (nodes.length && diseaseIds.has(nodes[last][0])) {
      return {
        nodes: nodes.slice(0, last),
        links: links.filter(([a, b]) => Math.max(a, b) < last),
        toDisease: links.filter(([a, b]) => Math.max(a, b) === last),
      };
    }
    return { nodes, links, toDisease: [] };
  });
  const cols = Math.max(...rows.map((r) => r.nodes.length));
  const dxX = PAD + cols * COL_W + DISEASE_GAP;
  const width = dxX + NODE_W + PAD;
  const height = PAD * 2 + rows.length * ROW_H + 14;
  const dY = PAD + 14 + (rows.length * ROW_H - ROW_H) / 2;
  const uid = `p${++svgCounter}`;
  const root = svg("svg", {
    class: "paths", role: "img", width, height, viewBox: `0 0 ${width} ${height}`, "aria-labelledby": `t-${uid}`,
    "data-diagnosis": dx.id,
  });
  root.append(svg("title", { id: `t-${uid}` },
    `Evidence paths for ${dx.label}: ` + paths.map((p) => `${p.finding_label || p.finding} to ${p.matched_phenotype}`).join("; ")));
  const defs = svg("defs");
  const marker = svg("marker", { id: `a-${uid}`, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#555" }));
  defs.append(marker);
  root.append(defs);

  const edgeLabel = (e) => `${e.predicate} · ${e.source}`;
  const edgeTitle = (e) => `${e.subject} ${e.predicate} ${e.object} (source ${e.source} ${e.source_version}` +
    (e.references.length ? `; references ${e.references.join(", ")}` : "") + ")";
  const box = (x, y, id, label, kind) => {
    const g = svg("g", { class: `node ${kind}` });
    g.append(svg("title", {}, `${label} (${id})`));
    g.append(svg("rect", { x, y, width: NODE_W, height: NODE_H, rx: 6 }));
    g.append(svg("text", { x: x + NODE_W / 2, y: y + 15, "text-anchor": "middle", class: "lbl" }, short(label)));
    g.append(svg("text", { x: x + NODE_W / 2, y: y + 30, "text-anchor": "middle", class: "cid" }, id));
    return g;
  };
  rows.forEach((r, i) => {
    const y = PAD + 14 + i * ROW_H;
    const offset = cols - r.nodes.length;
    const xs = r.nodes.map((_, j) => PAD + (offset + j) * COL_W);
    const ym = y + NODE_H / 2;
    for (const [a, b, e] of r.links) {
      let x1 = xs[Math.min(a, b)] + NODE_W, x2 = xs[Math.max(a, b)];
      if (a > b) [x1, x2] = [x2, x1];
      const g = svg("g", { class: "edge" });
      g.append(svg("title", {}, edgeTitle(e)));
      g.append(svg("line", { x1, y1: ym, x2, y2: ym, "marker-end": `url(#a-${uid})` }));
      g.append(svg("text", { x: (x1 + x2) / 2, y: ym - 5, "text-anchor": "middle", class: "elbl" }, short(e.predicate, 16)));
      g.append(svg("text", { x: (x1 + x2) / 2, y: ym + 12, "text-anchor": "middle", class: "elbl src" }, short(e.source, 16)));
      root.append(g);
    }
    for (const [, , e] of r.toDisease) {
      const x2 = xs[xs.length - 1] + NODE_W;
      const g = svg("g", { class: "edge ann" });
      g.append(svg("title", {}, edgeTitle(e)));
      g.append(svg("line", { x1: dxX, y1: dY + NODE_H / 2, x2, y2: ym, "marker-end": `url(#a-${uid})` }));
      g.append(svg("text", { x: x2 + 6, y: ym - 5, "text-anchor": "start", class: "elbl" }, short(edgeLabel(e), 26)));
      root.append(g);
    }
    r.nodes.forEach(([id, label], j) => {
      const kind = j === 0 ? "finding" : (j === r.nodes.length - 1 && r.toDisease.length ? "phenotype" : "ancestor");
      root.append(box(xs[j], y, id, label, kind));
    });
  });
  root.append(box(dxX, dY, dx.id, dx.label, "disease"));
  return el("div", { class: "svgwrap" }, root);
}

// ------------------------------------------------------------------ differential
function renderDiagnosis(d) {
  const hid = `dx-${d.rank}`;
  const sec = el("section", { class: "dx", "aria-labelledby": hid });
  sec.append(el("h4", { id: hid },
    el("span", {}, `${d.rank}. ${d.label}`), " ",
    el("span", { class: "muted" }, d.id), " ",
    el("span", { class: "prob" }, pct(d.probability)), " ",
    el("meter", { min: 0, max: 1, value: d.probability, "aria-label": `probability ${pct(d.probability)}` })));
  if (d.equivalent_ids.length) sec.append(el("p", { class: "muted" }, "Also: " + d.equivalent_ids.slice(0, 10).join(", ")));
  if (d.supporting_findings.length) {
    sec.append(el("h5", {}, "Supporting findings"));
    const ul = el("ul", { class: "compact" });
    for (const s of d.supporting_findings.slice(0, 12)) {
      ul.append(el("li", {}, s.label || s.concept_id, " ", el("span", { class: "muted" }, s.concept_id), ` (+${s.contribution.toFixed(2)})`));
    }
    sec.append(ul);
  }
  sec.append(el("h5", {}, "Evidence paths"), drawEvidence(d),
    el("p", { class: "muted small" }, "Left: the patient's finding; dashed box: an is_a ancestor; green: the phenotype " +
      "the disease is annotated with; right: the disease. Edges show predicate and source; hover one for its references."));
  if (d.evidence_against.length) {
    sec.append(el("h5", {}, "Evidence against"));
    const ul = el("ul", { class: "compact" });
    for (const a of d.evidence_against.slice(0, 12)) {
      ul.append(el("li", {}, `${a.label || a.concept_id}: ${a.detail} (${a.contribution >= 0 ? "+" : ""}${a.contribution.toFixed(2)})`));
    }
    sec.append(ul);
  }
  if (d.literature.length) {
    sec.append(el("h5", {}, "Citations"));
    const ul = el("ul", { class: "compact citations" });
    // one entry per id: a paper cited by an edge and also found by the search is listed once
    const merged = new Map();
    for (const c of d.literature) {
      const first = merged.get(c.id);
      if (!first) merged.set(c.id, Object.assign({}, c));
      else for (const k of ["title", "snippet", "url"]) if (!first[k] && c[k]) first[k] = c[k];
    }
    for (const c of [...merged.values()].slice(0, 10)) {
      // a link only where the report gives one (PMIDs -> PubMed); other ids stay plain text
      const id = c.url ? el("a", { href: c.url, rel: "noopener noreferrer", target: "_blank" }, c.id) : el("span", {}, c.id);
      ul.append(el("li", {}, id, c.title ? ` — ${c.title}` : "", c.snippet ? el("span", { class: "muted" }, ` (${c.snippet})`) : null));
    }
    sec.append(ul);
  }
  sec.append(el("h5", {}, "Treatments"));
  if (d.treatments.length) {
    const tb = el("tbody");
    for (const t of d.treatments) {
      tb.append(el("tr", {},
        el("td", {}, t.drug_label || t.drug, " ", el("span", { class: "muted" }, t.drug)),
        el("td", {}, t.predicate), el("td", {}, t.note || t.via), el("td", {}, `${t.source} ${t.source_version}`)));
    }
    sec.append(el("table", {}, el("thead", {}, el("tr", {}, ...["Drug", "Relation", "Via", "Source"].map((h) => el("th", { scope: "col" }, h)))), tb));
  } else {
    sec.append(el("p", { class: "muted" }, d.treatments_note || "No treatment in the graph."));
  }
  return el("li", {}, sec);
}

function renderReport(report, noteText) {
  $("results").hidden = false;
  const all = report.findings.concat(report.family_history);
  renderNote(noteText, all);
  renderFindingsTable(all);
  const warn = $("warnings");
  warn.replaceChildren();
  for (const w of report.warnings || []) warn.append(el("p", { class: "warning" }, el("strong", {}, "Warning: "), w));
  const ign = $("ignored");
  ign.replaceChildren();
  if (report.ignored.length) {
    const ul = el("ul", { class: "compact" });
    for (const i of report.ignored) ul.append(el("li", {}, `${i.input}: ${i.reason}`));
    ign.append(el("h4", {}, "Ignored inputs"), ul);
  }
  const meta = [];
  if (report.ranker) meta.push(`Ranker: ${report.ranker}`);
  if (report.patient.age_years !== null) meta.push(`age ${report.patient.age_years}`);
  if (report.patient.sex) meta.push(report.patient.sex);
  if (report.literature_note) meta.push(report.literature_note);
  $("dx-meta").textContent = meta.join(" · ");
  const ol = $("differential");
  ol.replaceChildren(...report.diagnoses.map(renderDiagnosis));
  if (!report.diagnoses.length) ol.append(el("li", { class: "muted" }, "No diagnosis could be ranked from these inputs."));
  const v = report.versions;
  const src = $("sources");
  src.replaceChildren(el("h4", {}, "Versions and required citations"),
    el("p", { class: "muted" }, `Graph ${v.graph} (${v.graph_label})` + (v.model ? ` · model ${v.model}` : "") +
      (v.index ? ` · literature index ${v.index}` : "") + ` · report schema ${report.schema_version}`));
  const ul = el("ul", { class: "compact" });
  for (const s of v.sources) {
    ul.append(el("li", {}, el("strong", {}, s.name), ` ${s.version}`, s.license ? ` — ${s.license}` : "",
      s.citation ? el("div", { class: "muted citation" }, `Cite: ${s.citation}`) : null));
  }
  src.append(ul, el("p", { class: "disclaimer", role: "note" }, report.disclaimer));
}

function ids(text) {
  return text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
}

async function onDiagnose(ev) {
  ev.preventDefault();
  const status = $("diagnose-status"), btn = $("diagnose-btn");
  const note = $("note").value;
  const body = { hpo: ids($("hpo").value), absent: ids($("absent").value), top_k: Number($("top-k").value) || 10 };
  if (note.trim()) body.note = note;
  if (!body.note && !body.hpo.length && !body.absent.length) {
    status.className = "error";
    status.textContent = "Paste a note or give HPO ids first.";
    $("note").focus();
    return;
  }
  btn.disabled = true;
  // never leave the previous patient's results on screen while (or after failing) answering a new request
  $("results").hidden = true;
  document.body.dataset.state = "working";
  status.className = "";
  status.textContent = "Working…";
  const t0 = performance.now();
  try {
    const report = await api("POST", "/diagnose", body);
    renderReport(report, body.note || "");
    status.textContent = `${report.diagnoses.length} diagnoses, ${report.findings.length} findings, ` +
      `${Math.round(performance.now() - t0)} ms.`;
    document.body.dataset.state = "done";
  } catch (err) {
    status.className = "error";
    status.textContent = `Error: ${err.message}`;
    document.body.dataset.state = "error";
  } finally {
    btn.disabled = false;
  }
}

// ------------------------------------------------------------------ autocomplete
let conceptTimer = null;
function onConceptInput() {
  clearTimeout(conceptTimer);
  const q = $("concept-q").value.trim();
  if (q.length < 2) return;
  conceptTimer = setTimeout(async () => {
    try {
      const data = await api("GET", `/concepts?q=${encodeURIComponent(q)}&limit=15&category=PhenotypicFeature`);
      $("concept-list").replaceChildren(...data.hits.map((h) => el("option", { value: h.concept_id }, `${h.label} (${h.matched})`)));
    } catch (e) { /* autocomplete is best effort */ }
  }, 200);
}
function onConceptChange() {
  const v = $("concept-q").value.trim();
  if (/^[A-Za-z]+:\S+$/.test(v)) {
    const box = $("hpo");
    box.value = (box.value.trim() + " " + v).trim();
    $("concept-q").value = "";
  }
}

// ------------------------------------------------------------------ literature
async function onSearch(ev) {
  ev.preventDefault();
  const q = $("search-q").value.trim();
  const status = $("search-status"), list = $("search-results");
  if (!q) { status.textContent = "Type some words to search for."; return; }
  status.className = "";
  status.textContent = "Searching…";
  try {
    const data = await api("GET", `/search?q=${encodeURIComponent(q)}&k=10&mode=${encodeURIComponent($("search-mode").value)}`);
    list.replaceChildren(...data.hits.map((h) => el("li", {},
      h.url ? el("a", { href: h.url, rel: "noopener noreferrer", target: "_blank" }, h.curie) : el("span", {}, h.curie),
      ` — ${h.title}`, h.year ? ` (${h.year})` : "", el("div", { class: "muted" }, h.snippet))));
    status.textContent = data.hits.length ? `${data.hits.length} hits.` : (data.note || "No hits.");
  } catch (err) {
    status.className = "error";
    status.textContent = `Error: ${err.message}`;
  }
}

// ------------------------------------------------------------------ history
async function loadHistory() {
  const status = $("history-status"), view = $("history-view");
  status.textContent = "Loading…";
  try {
    const data = await api("GET", "/graph/versions");
    const hist = el("tbody");
    for (const h of data.history) {
      hist.append(el("tr", {}, el("td", {}, h.seq), el("td", {}, h.at), el("td", {}, h.action),
        el("td", {}, h.version), el("td", {}, h.label)));
    }
    const graphs = el("tbody");
    for (const g of data.graphs) {
      graphs.append(el("tr", {}, el("td", {}, g.kind), el("td", {}, g.name), el("td", {}, g.version),
        el("td", {}, g.active ? "active" : "inactive"), el("td", {}, g.quads)));
    }
    const th = (...names) => el("thead", {}, el("tr", {}, ...names.map((n) => el("th", { scope: "col" }, n))));
    view.replaceChildren(
      el("p", {}, `Current graph version ${data.current.version} (${data.current.label}); serving ${data.serving}.`),
      el("h3", {}, "History"), el("table", {}, th("#", "When (UTC)", "Action", "Version", "Graphs"), hist),
      el("h3", {}, "Named graphs"), el("table", {}, th("Kind", "Name", "Version", "State", "Quads"), graphs));
    status.textContent = "";
  } catch (err) {
    status.className = "error";
    status.textContent = `Error: ${err.message}`;
  }
}

async function loadHealth() {
  try {
    const h = await api("GET", "/health");
    const v = h.versions;
    $("health").textContent = `Graph ${v.graph} (${v.graph_label}) · model ${v.model}` +
      (v.index ? ` · literature index ${v.index} (${h.literature_documents} documents)` : " · no literature index");
  } catch (err) {
    $("health").textContent = `Server not reachable: ${err.message}`;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("diagnose-form").addEventListener("submit", onDiagnose);
  $("clear-btn").addEventListener("click", () => {
    $("note").value = ""; $("hpo").value = ""; $("absent").value = "";
    $("results").hidden = true; $("diagnose-status").textContent = ""; $("note").focus();
  });
  $("concept-q").addEventListener("input", onConceptInput);
  $("concept-q").addEventListener("change", onConceptChange);
  $("search-form").addEventListener("submit", onSearch);
  $("history-btn").addEventListener("click", loadHistory);
  loadHealth();
  loadHistory();
});
