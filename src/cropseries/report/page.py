"""The report's HTML: one page, plotly.js embedded once, a section per stage, every figure in a
`<figure>` whose caption says how to read it (and is its text alternative).

Nothing here knows what the figures show; `build` decides that. The page needs no network:
plotly.js is inlined, the styles are inline, and no figure uses map tiles or web fonts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

#: Plotly's options for every figure: resize with the page, no link to plotly's website.
PLOT_CONFIG = {"responsive": True, "displaylogo": False}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 1rem;
       color: #222; line-height: 1.45; }
header { border-bottom: 1px solid #ccc; margin-bottom: 1rem; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.4rem 1.2rem; list-style: none; padding: 0; }
section { margin: 2rem 0; }
figure { margin: 1.5rem 0; }
figcaption { font-size: 0.95rem; color: #444; max-width: 70rem; }
.plot { width: 100%; }
.tables { display: flex; flex-wrap: wrap; gap: 0 2.5rem; align-items: flex-start; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.95rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; max-width: 32rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.table-scroll { overflow-x: auto; }
p.missing { color: #8a5a00; }
"""


@dataclass(frozen=True)
class Figure:
    """A figure and the caption under it: what it shows, how it was sampled, how to read it."""

    figure: go.Figure
    caption: str


@dataclass(frozen=True)
class Table:
    """A small table: a caption, column names and rows of plain values."""

    caption: str
    header: tuple[str, ...]
    rows: list[tuple]


@dataclass(frozen=True)
class Section:
    """One stage's part of the page: a heading, a sentence or two, then tables and figures."""

    anchor: str
    title: str
    intro: str
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def render(title: str, subtitle: str, sections: list[Section]) -> str:
    """The whole page as one string."""
    toc = "".join(f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in sections)
    body = "".join(_section(s) for s in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n</head>\n<body>\n'
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>"
        f'<nav aria-label="stages"><ul>{toc}</ul></nav></header>\n'
        f"<main>{body}</main>\n</body>\n</html>\n"
    )


def _section(section: Section) -> str:
    parts = [
        f'<section id="{section.anchor}" aria-labelledby="{section.anchor}-title">',
        f'<h2 id="{section.anchor}-title">{html.escape(section.title)}</h2>',
        f"<p>{html.escape(section.intro)}</p>",
    ]
    if section.tables:
        parts.append(f'<div class="tables">{"".join(_table(t) for t in section.tables)}</div>')
    for number, item in enumerate(section.figures, 1):
        parts.append(_figure(item, f"{section.anchor}-figure-{number}"))
    parts.append("</section>\n")
    return "\n".join(parts)


def _table(table: Table) -> str:
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in table.header)
    rows = "".join("<tr>" + "".join(_cell(value) for value in row) + "</tr>" for row in table.rows)
    return (
        f'<div class="table-scroll"><table><caption>{html.escape(table.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _cell(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"<td>{html.escape(str(value))}</td>"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.4g}"
    return f'<td class="number">{text}</td>'


def _figure(item: Figure, anchor: str) -> str:
    figure = go.Figure(item.figure)
    figure.update_layout(autosize=True, width=None, margin={"l": 60, "r": 30})
    plot = figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=anchor, config=PLOT_CONFIG
    )
    return (
        f'<figure><div class="plot" aria-describedby="{anchor}-caption">{plot}</div>'
        f'<figcaption id="{anchor}-caption">{html.escape(item.caption)}</figcaption></figure>'
    )
