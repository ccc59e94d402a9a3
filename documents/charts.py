"""Bar charts as server-rendered SVG: no JavaScript, no inline styles (the CSP forbids them).

Colours are SVG presentation attributes, so the chart also looks right in the PDF; the classes let
documents.css adjust it on screen.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
LABEL_WIDTH = 260
BAR_HEIGHT = 22
GAP = 8
BAR_COLOUR = "#0b5394"
TEXT_COLOUR = "#1b1f24"


def bar_chart(title: str, rows: list[tuple[str, int | str | None]], *, chart_id: str,
              suppressed_label: str = "< 5") -> SafeString:
    """A horizontal bar per (label, count).

    A count that is text (such as "< 5" or "x") or None (shown as suppressed_label) is hidden: no bar, only the
    text, exactly as the table beside it shows it; a bar's length would give the hidden number away.
    """
    counts = [n for _label, n in rows if isinstance(n, int)]
    largest = max(counts) if counts else 0
    bar_space = WIDTH - LABEL_WIDTH - 60
    height = max(1, len(rows)) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{escape(chart_id)}-title">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for index, (label, count) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        text_y = y + BAR_HEIGHT * 0.7
        parts.append(f'<text x="0" y="{text_y:.1f}" class="chart-label" font-size="13" fill="{TEXT_COLOUR}">'
                     f"{escape(_shorten(label))}</text>")
        if not isinstance(count, int):
            shown, bar = suppressed_label if count is None else count, 0
        else:
            shown, bar = str(count), (bar_space * count / largest if largest else 0)
        if bar:
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar:.1f}" height="{BAR_HEIGHT}" '
                         f'class="chart-bar" fill="{BAR_COLOUR}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + bar + 6:.1f}" y="{text_y:.1f}" class="chart-value" font-size="13" '
                     f'fill="{TEXT_COLOUR}">{escape(shown)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text in it is escaped above)


def _shorten(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
