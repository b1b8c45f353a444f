"""The panel's Markdown: lab instructions are the repository's own files."""

from functools import lru_cache

import markdown as md
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def lab_markdown(text: str) -> str:
    """Markdown to HTML; raw HTML in the text is shown as text."""
    return mark_safe(_markdown(str(text)))


@lru_cache(maxsize=2048)
def _markdown(text: str) -> str:
    # The panel beside every page draws the task's instructions: the same few
    # texts for a whole class (each learner's own values filled in), and
    # Markdown took ~2 ms of each page drawn with a lab in progress.
    return md.markdown(escape(text), output_format="html")


@register.simple_tag
def exam_for(run):
    """The exam whose task ``run`` is (None for a guided lab): the panel's
    exam mode (labs/exams.py)."""
    from labs import exams

    return exams.exam_of_run(run)
