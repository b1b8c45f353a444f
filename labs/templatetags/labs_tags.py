"""The panel's Markdown: lab instructions are the repository's own files."""

import markdown as md
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def lab_markdown(text: str) -> str:
    """Markdown to HTML; raw HTML in the text is shown as text."""
    return mark_safe(md.markdown(escape(text), output_format="html"))
