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


@register.simple_tag
def exam_for(run):
    """The exam whose task ``run`` is (None for a guided lab): the panel's
    exam mode (labs/exams.py)."""
    from labs import exams

    return exams.exam_of_run(run)
