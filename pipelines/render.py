"""Terminal rendering of a diagnosis report (rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from kg.records import frequency_text
from pipelines.report import DiagnosisReport

__all__ = ["render_report"]

_ASSERTION_STYLE = {"present": "green", "absent": "red strike", "possible": "yellow", "hypothetical": "magenta",
                    "historical": "cyan", "family": "blue", "other": "blue"}


def render_report(report: DiagnosisReport, console: Console, paths_per_diagnosis: int = 4) -> None:
    """Print findings, the ranked differential with evidence paths, treatments and versions."""
    title = f"medkg differential — {report.input.kind}" + (f": {report.input.name}" if report.input.name else "")
    console.rule(title)
    for warning in report.warnings:   # first: they change how everything below should be read
        console.print(f"[bold yellow]warning:[/] {warning}")
    if report.patient.age_years is not None or report.patient.sex:
        console.print(f"patient: age {report.patient.age_years if report.patient.age_years is not None else '?'}, "
                      f"sex {report.patient.sex or '?'}")
    table = Table("finding", "concept", "assertion", "trigger", "used as", title="Findings", title_justify="left")
    for f in report.findings:
        style = _ASSERTION_STYLE.get(f.assertion, "")
        table.add_row(Text(f.text or f.label, style=style), f"{f.concept_id} {f.label}", f.assertion,
                      f.trigger, f.used_as)
    console.print(table)
    if report.family_history:
        console.print("family history: " + "; ".join(f"{f.label} ({f.text})" for f in report.family_history))
    for item in report.ignored:
        console.print(f"[dim]ignored {item.input}: {item.reason}[/]")
    if not report.diagnoses:
        console.print("[yellow]No diagnosis could be ranked from these findings.[/]")
    for d in report.diagnoses:
        head = Text(f"{d.rank}. {d.label} ", style="bold")
        head.append(f"[{d.id}] p={d.probability:.3f}", style="dim")
        tree = Tree(head)
        if d.equivalent_ids:
            tree.add(Text("same as: " + ", ".join(d.equivalent_ids[:6]), style="dim"))
        support = tree.add("evidence paths")
        for p in d.evidence_paths[:paths_per_diagnosis]:
            node = support.add(Text(f"{p.finding_label or p.finding} (+{p.contribution:.2f}, {p.relation})", style="green"))
            for e in p.edges:
                refs = ", ".join(e.references[:3]) + (" …" if len(e.references) > 3 else "")
                freq = frequency_text(e.qualifiers.get("frequency", ""))
                node.add(Text(f"{e.subject_label or e.subject} -{e.predicate}-> {e.object_label or e.object}"
                              f"  [{e.source} {e.source_version}{'; ' + freq if freq else ''}{'; ' + refs if refs else ''}]",
                              style="dim"))
        if len(d.evidence_paths) > paths_per_diagnosis:
            support.add(Text(f"… {len(d.evidence_paths) - paths_per_diagnosis} more (see --json / --html)", style="dim"))
        if d.evidence_against:
            against = tree.add("evidence against")
            for a in d.evidence_against[:4]:
                against.add(Text(f"{a.label or a.concept_id}: {a.detail}", style="red"))
        if d.treatments:
            tr = tree.add("treatment options (from the graph)")
            for t in d.treatments[:5]:
                tr.add(f"{t.drug_label or t.drug} — {t.predicate}" + (f", {t.note}" if t.note else "")
                       + f" [{t.source} {t.source_version}]")
        else:
            tree.add(Text(d.treatments_note, style="dim"))
        if d.literature:
            lit = tree.add("literature")
            for c in d.literature[:5]:
                lit.add(f"{c.id}" + (f" {c.title[:90]}" if c.title else "") + (f" <{c.url}>" if c.url else ""))
        console.print(tree)
    if report.literature_note:
        console.print(f"[dim]{report.literature_note}[/]")
    v = report.versions
    trained = (f" (trained on graph {v.model_graph_version})"
               if v.model_graph_version and v.model_graph_version != v.graph else "")
    lines = [f"graph {v.graph} ({v.graph_label})", f"ranker {report.ranker or '-'}{trained}",
             f"literature index {v.index or '-'}"]
    for s in v.sources:
        if s.citation:
            lines.append(f"{s.name} {s.version}: {s.license}. Cite: {s.citation}")
    console.print(Panel(Group(*[Text(x) for x in lines], Text(report.disclaimer, style="bold")), title="versions and sources"))
