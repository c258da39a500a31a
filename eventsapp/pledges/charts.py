"""Server-rendered SVG charts: no script, readable at a glance, and accessible (role="img",
<title> and <desc>); each chart is shown next to a table with the same numbers."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext, ngettext
from markupsafe import Markup, escape

from ..localefmt import format_number, format_usd_short

BAR_H = 26
GAP = 8
WIDTH = 640
LABEL_W = 250
VALUE_W = 130


def _short_usd(amount: Decimal) -> str:
    """USD 18.6 bn, USD 250 m, USD 12,500 (in the reader's language): chart labels."""
    return format_usd_short(amount)


def _truncate(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _svg_open(chart_id: str, height: int) -> str:
    cid = escape(chart_id)
    return (f'<svg class="chart" id="{cid}" role="img" viewBox="0 0 {WIDTH} {height}" '
            f'width="100%" preserveAspectRatio="xMinYMin meet" '
            f'aria-labelledby="{cid}-t {cid}-d" xmlns="http://www.w3.org/2000/svg">')


def bar_chart(chart_id: str, title: str, rows, measure: str = "pledges") -> Markup:
    """Horizontal bars, one per row (rows have .label, .pledges, .amount_usd)."""
    rows = list(rows)
    values = [(r.pledges if measure == "pledges" else Decimal(r.amount_usd)) for r in rows]
    top = max(values, default=0) or 1
    height = max(1, len(rows)) * (BAR_H + GAP) + GAP
    bar_w = WIDTH - LABEL_W - VALUE_W
    unit = gettext("pledges") if measure == "pledges" else "USD"
    if rows:
        best = max(range(len(rows)), key=lambda i: values[i])
        largest = (ngettext("%(count)s pledge", "%(count)s pledges", int(values[best]),
                            count=format_number(int(values[best])))
                   if measure == "pledges" else _short_usd(values[best]))
        desc = (ngettext("%(num)d bar. Largest: %(label)s, %(value)s.",
                         "%(num)d bars. Largest: %(label)s, %(value)s.", len(rows),
                         label=rows[best].label, value=largest)
                + " " + gettext("The table below gives every number."))
    else:
        desc = gettext("No published pledges match.")
    parts = [
        _svg_open(chart_id, height),
        f'<title id="{escape(chart_id)}-t">{escape(title)} ({unit})</title>',
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>',
    ]
    if not rows:
        parts.append(f'<text x="0" y="{BAR_H - 6}" class="chart-empty">'
                     f'{escape(gettext("No data"))}</text>')
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = GAP + i * (BAR_H + GAP)
        w = float(Decimal(value) / Decimal(top)) * bar_w if value else 0
        shown = format_number(int(value)) if measure == "pledges" else _short_usd(value)
        parts.append(
            f'<g><text x="{LABEL_W - 8}" y="{y + BAR_H - 8}" text-anchor="end" '
            f'class="chart-label">{escape(_truncate(row.label))}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{max(w, 1 if value else 0):.1f}" height="{BAR_H}" '
            f'rx="3" class="chart-bar" fill="#0a5aa8"/>'
            f'<text x="{LABEL_W + w + 6:.1f}" y="{y + BAR_H - 8}" class="chart-value">'
            f'{escape(shown)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def growth_chart(chart_id: str, title: str, rows) -> Markup:
    """Cumulative published pledges by month, as columns (rows from queries.dashboard)."""
    rows = list(rows)
    height, pad_l, pad_b, pad_t = 240, 56, 40, 16
    plot_w, plot_h = WIDTH - pad_l - 10, height - pad_b - pad_t
    top = max((r.extra["cumulative_pledges"] for r in rows), default=0) or 1
    if rows:
        last = rows[-1]
        total = last.extra["cumulative_pledges"]
        desc = (ngettext("From %(first)s to %(last)s: %(count)s pledge, %(amount)s in total.",
                         "From %(first)s to %(last)s: %(count)s pledges, %(amount)s in total.",
                         total, first=rows[0].label, last=last.label,
                         count=format_number(total),
                         amount=_short_usd(last.extra["cumulative_usd"]))
                + " " + gettext("The table below gives every month."))
    else:
        desc = gettext("No published pledges match.")
    parts = [
        _svg_open(chart_id, height),
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>',
        (f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{WIDTH - 10}" y2="{pad_t + plot_h}" '
         f'class="chart-axis" stroke="#57606a"/>'),
        f'<text x="{pad_l - 6}" y="{pad_t + 10}" text-anchor="end" class="chart-value">'
        f'{format_number(top)}</text>',
        f'<text x="{pad_l - 6}" y="{pad_t + plot_h}" text-anchor="end" class="chart-value">0</text>',
    ]
    if rows:
        step = plot_w / len(rows)
        col_w = min(48.0, max(2.0, step * 0.7))
        label_every = max(1, len(rows) // 6)
        for i, r in enumerate(rows):
            h = r.extra["cumulative_pledges"] / top * plot_h
            x = pad_l + i * step + (step - col_w) / 2
            n = r.extra["cumulative_pledges"]
            tip = ngettext("%(count)s pledge", "%(count)s pledges", n, count=format_number(n))
            parts.append(f'<rect x="{x:.1f}" y="{pad_t + plot_h - h:.1f}" width="{col_w:.1f}" '
                         f'height="{h:.1f}" class="chart-bar" fill="#0a5aa8">'
                         f'<title>{escape(r.label)}: {escape(tip)}</title>'
                         f'</rect>')
            if i % label_every == 0 or i == len(rows) - 1:
                parts.append(f'<text x="{x + col_w / 2:.1f}" y="{height - pad_b + 18}" '
                             f'text-anchor="middle" class="chart-label">{escape(r.label)}</text>')
    else:
        parts.append(f'<text x="{pad_l + 8}" y="{pad_t + 30}" class="chart-empty">'
                     f'{escape(gettext("No data"))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
