"""Reference texts in the reader's language, in templates.

``{{ factor|local:"title" }}`` shows a field of a reference object in the active language,
with its marks (English shown for want of a translation, a working translation);
``{{ text|local }}`` shows a text already localized in Python (``framework.i18n.Localized``)
the same way. ``local_plain`` gives the bare text, for attributes and plain-text output.
"""

from django import template
from django.utils.safestring import SafeString

from framework import i18n

register = template.Library()


@register.filter
def local(value: object, field: str | None = None) -> SafeString:
    """The text with its marks, as HTML: ``{{ obj|local:"field" }}`` or ``{{ text|local }}``."""
    return i18n.marked(i18n.localized(value, field) if field else value)


@register.filter
def local_plain(value: object, field: str | None = None) -> str:
    """The text alone (no marks): for an attribute, a page title or a plain-text output."""
    if field:
        return i18n.localized(value, field)
    return value if isinstance(value, str) else "" if value is None else str(value)


@register.simple_tag
def reference_marks_shown() -> bool:
    """Whether the page's reference texts may carry marks (any language but English)."""
    return not i18n.is_source_language()
