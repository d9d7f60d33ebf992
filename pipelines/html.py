"""A self-contained HTML page for one :class:`~pipelines.report.DiagnosisReport` (``medkg diagnose --html``).

Inline CSS and inline SVG only: no script, no external fetch, so the file can be mailed or
archived and opens offline. Every value from the report is escaped. Each diagnosis' evidence
paths are drawn as a small graph: finding -> is_a ancestors -> annotated phenotype <- disease,
each edge labelled with its predicate and source (:func:`evidence_svg`); the web page under
``pipelines/web/`` draws the same picture in JavaScript (same layout constants).

>>> from pipelines.report import DiagnosisReport, InputInfo, Versions
>>> page = render_report_html(DiagnosisReport(input=InputInfo(kind="hpo"), versions=Versions(graph="abc")))
>>> page.startswith("<!DOCTYPE html>"), "Decision support, not a diagnosis" in page, "<script" in page
(True, True, False)
"""

from __future__ import annotations

from html import escape
from typing import Mapping, Sequence

from kg.records import frequency_text
from pipelines.report import Diagnosis, DiagnosisReport, EvidencePath, FindingOut

__all__ = ["render_report_html", "evidence_svg", "chain_of", "highlight_note", "merge_citations", "CSS"]

# layout constants (keep in step with pipelines/web/app.js)
NODE_W, NODE_H, COL_W, ROW_H, PAD, LABEL_CHARS = 168, 38, 256, 62, 12, 24
DISEASE_GAP = 150
MAX_PATHS_DRAWN = 6


def _e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def _short(text: str, n: int = LABEL_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def chain_of(path: EvidencePath) -> tuple[list[tuple[str, str]], list[tuple[int, int, object]]]:
    """Order a path's edges into a chain starting at the finding.

    Returns ``(nodes, links)``: nodes as ``(id, label)`` in chain order, links as
    ``(from_index, to_index, edge)`` in the edge's own direction.

    >>> from pipelines.report import EvidenceEdge
    >>> p = EvidencePath(finding="HP:2", edges=[EvidenceEdge(subject="OMIM:1", predicate="has_phenotype", object="HP:1", source="hpo"),
    ...                                       EvidenceEdge(subject="HP:2", predicate="subclass_of", object="HP:1", source="hpo")])
    >>> [n for n, _ in chain_of(p)[0]], [(a, b) for a, b, _ in chain_of(p)[1]]
    (['HP:2', 'HP:1', 'OMIM:1'], [(0, 1), (2, 1)])
    """
    labels = {path.finding: path.finding_label or path.finding}
    for edge in path.edges:
        labels.setdefault(edge.subject, edge.subject_label or edge.subject)
        labels.setdefault(edge.object, edge.object_label or edge.object)
    nodes = [path.finding]
    links: list[tuple[int, int, object]] = []
    unused = list(path.edges)
    while unused:
        cur = nodes[-1]
        for i, edge in enumerate(unused):
            if cur in (edge.subject, edge.object):
                other = edge.object if edge.subject == cur else edge.subject
                nodes.append(other)
                a, b = len(nodes) - 2, len(nodes) - 1
                links.append((a, b, edge) if edge.subject == cur else (b, a, edge))
                unused.pop(i)
                break
        else:
            break   # edges that do not continue the chain are left out of the drawing
    return [(n, labels.get(n, n)) for n in nodes], links


def evidence_svg(diagnosis: Diagnosis, max_paths: int = MAX_PATHS_DRAWN) -> str:
    """Inline SVG of a diagnosis' evidence paths (the disease drawn once, on the right)."""
    paths = [p for p in diagnosis.evidence_paths if p.edges][:max_paths]
    if not paths:
        return '<p class="muted">No evidence path to draw.</p>'
    disease_ids = {diagnosis.id, *diagnosis.equivalent_ids}
    rows = []
    for p in paths:
        nodes, links = chain_of(p)
        if nodes and nodes[-1][0] in disease_ids:
            rows.append((nodes[:-1], [l for l in links if max(l[0], l[1]) < len(nodes) - 1],
                         [l for l in links if max(l[0], l[1]) == len(nodes) - 1]))
        else:
            rows.append((nodes, links, []))
    width_cols = max(len(r[0]) for r in rows)
    dx = PAD + width_cols * COL_W + DISEASE_GAP
    width = dx + NODE_W + PAD
    height = PAD * 2 + len(rows) * ROW_H + 14
    dy = PAD + 14 + (len(rows) * ROW_H - ROW_H) / 2
    uid = "".join(ch for ch in diagnosis.id if ch.isalnum())
    out = [f'<svg class="paths" role="img" aria-labelledby="t-{uid}" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
           f'<title id="t-{uid}">Evidence paths for {_e(diagnosis.label)}: '
           + _e("; ".join(f"{p.finding_label or p.finding} to {p.matched_phenotype}" for p in paths)) + "</title>",
           f'<defs><marker id="a-{uid}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']

    def box(x, y, node_id, label, kind):
        return (f'<g class="node {kind}"><title>{_e(label)} ({_e(node_id)})</title>'
                f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
                f'<text x="{x + NODE_W / 2}" y="{y + 15}" text-anchor="middle" class="lbl">{_e(_short(label))}</text>'
                f'<text x="{x + NODE_W / 2}" y="{y + 30}" text-anchor="middle" class="cid">{_e(node_id)}</text></g>')

    def edge_label(edge) -> str:
        return f"{edge.predicate} \u00b7 {edge.source}"

    def edge_title(edge) -> str:
        refs = ", ".join(edge.references)
        freq = frequency_text(edge.qualifiers.get("frequency", ""))
        return f"{edge.subject} {edge.predicate} {edge.object} (source {edge.source} {edge.source_version}" + \
            (f"; frequency {freq}" if freq else "") + (f"; references {refs}" if refs else "") + ")"

    for r, (nodes, links, to_disease) in enumerate(rows):
        y = PAD + 14 + r * ROW_H
        offset = width_cols - len(nodes)
        xs = [PAD + (offset + i) * COL_W for i in range(len(nodes))]
        for a, b, edge in links:
            left, right = min(a, b), max(a, b)
            x1, x2 = xs[left] + NODE_W, xs[right]
            if a > b:
                x1, x2 = x2, x1
            ym = y + NODE_H / 2
            out.append(f'<g class="edge"><title>{_e(edge_title(edge))}</title>'
                       f'<line x1="{x1}" y1="{ym}" x2="{x2}" y2="{ym}" marker-end="url(#a-{uid})"/>'
                       f'<text x="{(x1 + x2) / 2}" y="{ym - 5}" text-anchor="middle" class="elbl">'
                       f'{_e(_short(edge.predicate, 16))}</text>'
                       f'<text x="{(x1 + x2) / 2}" y="{ym + 12}" text-anchor="middle" class="elbl src">'
                       f'{_e(_short(edge.source, 16))}</text></g>')
        for a, b, edge in to_disease:
            # disease -> phenotype: from the disease box's left side to the row's last node
            x1, y1 = dx, dy + NODE_H / 2
            x2, y2 = xs[-1] + NODE_W, y + NODE_H / 2
            out.append(f'<g class="edge ann"><title>{_e(edge_title(edge))}</title>'
                       f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" marker-end="url(#a-{uid})"/>'
                       f'<text x="{x2 + 6}" y="{y2 - 5}" text-anchor="start" class="elbl">'
                       f'{_e(_short(edge_label(edge), 26))}</text></g>')
        for i, (node_id, label) in enumerate(nodes):
            kind = "finding" if i == 0 else ("phenotype" if i == len(nodes) - 1 and to_disease else "ancestor")
            out.append(box(xs[i], y, node_id, label, kind))
    out.append(box(dx, dy, diagnosis.id, diagnosis.label, "disease"))
    out.append("</svg>")
    return "".join(out)


def highlight_note(text: str, findings: Sequence[FindingOut]) -> str:
    """The note as HTML with each finding marked; absent ones struck through, with the trigger as title."""
    spans = sorted((f for f in findings if 0 <= f.start < f.end <= len(text)), key=lambda f: (f.start, -f.end))
    out, pos = [], 0
    for f in spans:
        if f.start < pos:
            continue
        out.append(_e(text[pos:f.start]))
        title = f"{f.label} ({f.concept_id}): {f.assertion}" + (f"; trigger: \u201c{f.trigger}\u201d" if f.trigger else "") \
            + (f"; used as {f.used_as}" if f.used_as else "")
        mark = {"absent": "\u2717", "possible": "?", "hypothetical": "?", "historical": "hx",
                "family": "\u2302", "other": "\u2302"}.get(f.assertion, "")
        out.append(f'<mark class="f f-{_e(f.assertion)}" title="{_e(title)}">{_e(text[f.start:f.end])}'
                   + (f'<span class="sym" aria-hidden="true">{mark}</span>' if mark else "")
                   + f'<span class="sr"> ({_e(f.assertion)})</span></mark>')
        pos = f.end
    out.append(_e(text[pos:]))
    return "".join(out)


CSS = """
:root{--fg:#1b1b1b;--muted:#5a5a5a;--line:#d0d0d0;--present:#0b5394;--absent:#a61c00;--accent:#5b2c83}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0 auto;max-width:1100px;padding:1rem}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.4rem 0 .5rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:.6rem 0 .3rem}
.disclaimer{border-left:4px solid #b45f06;background:#fff8e6;padding:.5rem .8rem;margin:.6rem 0}
.warning{border-left:4px solid #b00020;background:#fdecee;padding:.5rem .8rem;margin:.6rem 0}
.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:.3rem 0}
th,td{text-align:left;border-bottom:1px solid var(--line);padding:.25rem .4rem;vertical-align:top}
.note{white-space:pre-wrap;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13.5px;border:1px solid var(--line);padding:.6rem;background:#fafafa;max-height:32rem;overflow:auto}
mark.f{background:#dbe9f7;color:var(--present);border-bottom:2px solid var(--present);padding:0 1px;border-radius:2px}
mark.f-absent{background:#fde2dd;color:var(--absent);text-decoration:line-through;text-decoration-thickness:2px;border-bottom:2px dashed var(--absent)}
mark.f-possible,mark.f-hypothetical{background:#eee;color:#444;border-bottom:2px dotted #666;font-style:italic}
mark.f-historical{background:#e8f1e4;color:#274e13;border-bottom:2px solid #6aa84f}
mark.f-family,mark.f-other{background:#f1ecf8;color:var(--accent);border-bottom:2px dotted var(--accent)}
mark .sym{font-size:.75em;vertical-align:super;margin-left:1px;text-decoration:none;display:inline-block}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.legend span{margin-right:1rem}
.dx{border:1px solid var(--line);border-radius:6px;padding:.5rem .8rem;margin:.6rem 0}
.dx h3{display:flex;gap:.6rem;align-items:baseline;flex-wrap:wrap}
.prob{font-variant-numeric:tabular-nums;font-weight:600}
.bar{display:inline-block;height:.6rem;background:var(--accent);border-radius:3px;vertical-align:middle}
.paths{max-width:100%;height:auto;display:block;margin:.3rem 0;overflow:visible}
.paths rect{fill:#fff;stroke:#777;stroke-width:1.2}
.paths .finding rect{fill:#dbe9f7;stroke:var(--present);stroke-width:2}
.paths .phenotype rect{fill:#e8f1e4;stroke:#38761d;stroke-width:2}
.paths .disease rect{fill:#efe6f6;stroke:var(--accent);stroke-width:2.5}
.paths .ancestor rect{stroke-dasharray:4 2}
.paths text{font:12px system-ui,sans-serif;fill:#1b1b1b}.paths .cid{font-size:10px;fill:#555}
.paths .elbl{font-size:10px;fill:#444}.paths .elbl.src{fill:#777;font-style:italic}
.paths line{stroke:#555;stroke-width:1.3}.paths .ann line{stroke:var(--accent)}
ul.compact{margin:.2rem 0;padding-left:1.2rem}
footer{margin-top:2rem;font-size:.9em;color:var(--muted)}
.small{font-size:.85em}
"""


def merge_citations(citations):
    """One entry per id (a paper cited by an edge and found by the search is listed once)."""
    merged: dict = {}
    for c in citations:
        if c.id in merged:
            first = merged[c.id]
            merged[c.id] = first.model_copy(update={k: getattr(c, k) for k in ("title", "snippet", "url")
                                                    if not getattr(first, k) and getattr(c, k)})
        else:
            merged[c.id] = c
    return list(merged.values())


def _pct(p: float) -> str:
    return f"{p * 100:.1f}%" if p >= 0.001 else f"{p * 100:.2g}%"


def _diagnosis_html(d: Diagnosis) -> str:
    out = [f'<section class="dx" aria-labelledby="dx-{d.rank}"><h3 id="dx-{d.rank}"><span>{d.rank}. {_e(d.label)}</span>'
           f'<span class="muted">{_e(d.id)}</span><span class="prob">{_pct(d.probability)}</span>'
           f'<span class="bar" style="width:{max(2, round(d.probability * 160))}px" aria-hidden="true"></span></h3>']
    if d.equivalent_ids:
        out.append(f'<p class="muted">Also: {_e(", ".join(d.equivalent_ids[:10]))}</p>')
    if d.supporting_findings:
        out.append("<h4>Supporting findings</h4><ul class=compact>" + "".join(
            f"<li>{_e(s.label or s.concept_id)} <span class=muted>{_e(s.concept_id)}</span> (+{s.contribution:.2f})</li>"
            for s in d.supporting_findings[:12]) + "</ul>")
    out.append("<h4>Evidence paths</h4>" + evidence_svg(d) + '<p class="muted small">Left: the patient\'s finding; '
               "dashed box: an is_a ancestor; green: the phenotype the disease is annotated with; right: the disease. "
               "Edges show predicate and source; hover one for its references.</p>")
    if d.evidence_against:
        out.append("<h4>Evidence against</h4><ul class=compact>" + "".join(
            f"<li>{_e(a.label or a.concept_id)}: {_e(a.detail)} ({a.contribution:+.2f})</li>" for a in d.evidence_against[:12])
            + "</ul>")
    if d.literature:
        items = []
        for c in merge_citations(d.literature)[:10]:
            name = _e(c.title or c.id)
            link = f'<a href="{_e(c.url)}" rel="noopener noreferrer">{_e(c.id)}</a>' if c.url else _e(c.id)
            items.append(f"<li>{link}{' — ' + name if c.title else ''}"
                         f"{' <span class=muted>(' + _e(c.snippet) + ')</span>' if c.snippet else ''}</li>")
        out.append("<h4>Citations</h4><ul class=compact>" + "".join(items) + "</ul>")
    out.append("<h4>Treatments</h4>")
    if d.treatments:
        out.append("<table><thead><tr><th>Drug</th><th>Relation</th><th>Via</th><th>Source</th></tr></thead><tbody>"
                   + "".join(f"<tr><td>{_e(t.drug_label or t.drug)} <span class=muted>{_e(t.drug)}</span></td>"
                             f"<td>{_e(t.predicate)}</td><td>{_e(t.note or t.via)}</td>"
                             f"<td>{_e(t.source)} {_e(t.source_version)}</td></tr>" for t in d.treatments)
                   + "</tbody></table>")
    else:
        out.append(f'<p class="muted">{_e(d.treatments_note or "No treatment in the graph.")}</p>')
    out.append("</section>")
    return "".join(out)


def render_report_html(report: DiagnosisReport, notes: Mapping[str, str] | None = None,
                       title: str = "medkg differential") -> str:
    """The whole report as one self-contained HTML page (inline CSS and SVG, no script).

    ``notes`` (name -> text) adds each note with its findings highlighted; the report itself
    holds only offsets, never the note text.
    """
    v = report.versions
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{_e(title)}</h1>",
        f'<p class="disclaimer" role="note"><strong>{_e(report.disclaimer)}</strong></p></header><main>',
    ]
    pt = report.patient
    facts = [f"input: {_e(report.input.kind)}" + (f" ({_e(report.input.name)})" if report.input.name else "")]
    if pt.age_years is not None:
        facts.append(f"age {pt.age_years:g}")
    if pt.sex:
        facts.append(_e(pt.sex))
    parts.append(f'<p class="muted">{" · ".join(facts)}</p>')
    for warning in report.warnings:
        parts.append(f'<p class="warning" role="alert"><strong>Warning:</strong> {_e(warning)}</p>')
    for name, text in (notes or {}).items():
        mine = [f for f in report.findings + report.family_history if f.source_note in ("", name)]
        parts.append(f'<h2>Note: {_e(name)}</h2><div class="note">{highlight_note(text, mine)}</div>')
    parts.append('<h2>Findings</h2><p class="legend muted"><span>blue underline = present</span>'
                 '<span>struck through, \u2717 = absent (negated)</span><span>dotted, ? = possible / hypothetical</span>'
                 '<span>\u2302 = family</span></p>')
    if report.findings:
        parts.append("<table><thead><tr><th>Concept</th><th>Text</th><th>Assertion</th><th>Used as</th><th>Trigger</th>"
                     "<th>Section</th></tr></thead><tbody>" + "".join(
                         f"<tr><td>{_e(f.label)} <span class=muted>{_e(f.concept_id)}</span></td><td>{_e(f.text)}</td>"
                         f"<td>{_e(f.assertion)}</td><td>{_e(f.used_as)}</td><td>{_e(f.trigger)}</td>"
                         f"<td>{_e(f.section)}</td></tr>" for f in report.findings) + "</tbody></table>")
    else:
        parts.append('<p class="muted">No findings.</p>')
    if report.family_history:
        parts.append("<h3>Family history (not used for ranking)</h3><ul class=compact>" + "".join(
            f"<li>{_e(f.label)} <span class=muted>{_e(f.concept_id)}</span> — {_e(f.text)}</li>"
            for f in report.family_history) + "</ul>")
    if report.ignored:
        parts.append("<h3>Ignored inputs</h3><ul class=compact>" + "".join(
            f"<li>{_e(i.input)}: {_e(i.reason)}</li>" for i in report.ignored) + "</ul>")
    parts.append(f"<h2>Differential ({len(report.diagnoses)})</h2>")
    if report.ranker:
        parts.append(f'<p class="muted">Ranker: {_e(report.ranker)}</p>')
    if report.literature_note:
        parts.append(f'<p class="muted">{_e(report.literature_note)}</p>')
    parts.extend(_diagnosis_html(d) for d in report.diagnoses)
    if not report.diagnoses:
        parts.append('<p class="muted">No diagnosis could be ranked from these inputs.</p>')
    parts.append("</main><footer><h2>Versions and sources</h2>")
    parts.append(f"<p>Graph {_e(v.graph)} {_e(v.graph_label)}" + (f" · model {_e(v.model)}" if v.model else "")
                 + (f" · literature index {_e(v.index)}" if v.index else "") + f" · report schema {_e(report.schema_version)}</p>")
    if v.sources:
        parts.append("<ul class=compact>" + "".join(
            f"<li><strong>{_e(s.name)}</strong> {_e(s.version)}" + (f" — {_e(s.license)}" if s.license else "")
            + (f"<br><span class=muted>Cite: {_e(s.citation)}</span>" if s.citation else "") + "</li>"
            for s in v.sources) + "</ul>")
    parts.append(f'<p class="disclaimer" role="note">{_e(report.disclaimer)}</p></footer></body></html>')
    return "\n".join(parts)
