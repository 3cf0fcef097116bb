"""Numbers as the reader's language groups them: 30.000 in Turkish, 30,000 in English."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def grouped(value: int | None) -> str:
    return "…" if value is None else number_format(value, force_grouping=True)
