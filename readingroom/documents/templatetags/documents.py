"""Template filters for reading documents."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def with_note_refs(text: str, prefix: str) -> str:
    """Escape ``text``, keep its line breaks, and turn footnote markers "[3]" into links to note ``prefix-3``."""
    html = escape(text).replace("\n", "<br>")
    html = re.sub(
        r"\[([\w*]{1,4})\]",
        lambda m: (
            f'<sup class="note-ref"><a href="#{prefix}-{m[1]}" id="{prefix}-ref-{m[1]}" '
            f'aria-label="note {m[1]}">{m[1]}</a></sup>'
        ),
        html,
    )
    return mark_safe(html)  # noqa: S308 - built from escaped text and our own markup only
