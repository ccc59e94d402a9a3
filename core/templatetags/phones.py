"""Phone numbers as tap-to-call links: `<a href="{{ number|tel_href }}">{{ number }}</a>`."""

import re

from django import template

register = template.Library()


@register.filter
def tel_href(number) -> str:
    """"030-230 62 22" -> "tel:0302306222"; "+31 (0)30 ..." keeps its plus; empty when there is no number in it.

    Only the digits go into the link (separators and notes such as "(ma-vr)" would break dialling); a note
    after the number, like "toestel 12", is cut off at the first letter.
    """
    text = re.split(r"[^\d\s+().\-/]", str(number or ""), maxsplit=1)[0]
    text = text.replace("(0)", "") if text.lstrip().startswith("+") else text
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return ""
    return f"tel:{'+' if text.lstrip().startswith('+') else ''}{digits}"
