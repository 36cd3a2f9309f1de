"""Widgets for the rating form, which shows 126 indicators with five controls each.

Django renders every widget through its template engine, about half a millisecond a
control: for 630 controls that is most of the page's time. These two write the same HTML
as Django's own `Select` and `Textarea` directly, with the same attributes (id, ARIA,
classes) and the same escaping, so the form still validates, binds and labels as before.
"""

from typing import Any

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _attributes(name: str, attrs: dict[str, Any]) -> str:
    """The name, then the attributes in their order, as Django's ``attrs.html`` writes them."""
    parts = [f' name="{conditional_escape(name)}"']
    for key, value in attrs.items():
        if value is True:
            parts.append(f" {key}")
        elif value is not False and value is not None:
            parts.append(f' {key}="{conditional_escape(value)}"')
    return "".join(parts)


def _opening(widget: forms.Widget, tag: str, name: str) -> str:
    """``<tag name=... attrs...`` of ``widget`` for ``name``, written once and kept: the
    widgets of the rating form are shared between pages and never changed after they are
    made (``assessments.forms.every_rating_field``)."""
    key = (tag, name)
    kept: tuple[tuple[str, str], str] | None = getattr(widget, "_opening", None)
    if kept is None or kept[0] != key:
        kept = (key, f"<{tag}{_attributes(name, widget.attrs)}")
        widget._opening = kept  # type: ignore[attr-defined]  # kept on the instance
    return kept[1]


class QuickSelect(forms.Select):
    """A single-choice `<select>` over flat choices (no option groups). Its options are
    written once per chosen value and kept while its choices stay the same: the rating form
    shares its fields between pages (``assessments.forms.every_rating_field``)."""

    _options: tuple[object, dict[str, str]] | None = None

    def _options_html(self, chosen: str) -> str:
        choices = self.choices
        if self._options is None or self._options[0] is not choices:
            self._options = (choices, {})
        written = self._options[1]
        if chosen not in written:
            written[chosen] = "".join(
                f'<option value="{conditional_escape(str(option))}"'
                f"{' selected' if str(option) == chosen else ''}>"
                f"{conditional_escape(str(label))}</option>"
                for option, label in choices
            )
        return written[chosen]

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = "" if value is None else str(value)
        # Every part is escaped, above and in _options_html.
        html = f"<select{_attributes(name, final)}>{self._options_html(chosen)}</select>"
        return mark_safe(html)  # noqa: S308  # nosec B308 B703

    def render_plain(self, name: str, value: Any, id_: str) -> str:
        """What :meth:`render` writes for a control with nothing to add to its own
        attributes but its id (no error, not required, not disabled), from the kept opening
        tag; escaped."""
        chosen = "" if value is None else str(value)
        return (
            f'{_opening(self, "select", name)} id="{conditional_escape(id_)}">'
            f"{self._options_html(chosen)}</select>"
        )


class QuickTextarea(forms.Textarea):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        text = self.format_value(value) or ""
        # The newline after the opening tag is dropped by HTML parsers, as in Django's own
        # template; without it a value that starts with a newline would lose it.
        html = f"<textarea{_attributes(name, final)}>\n{conditional_escape(text)}</textarea>"
        return mark_safe(html)  # noqa: S308  # nosec B308 B703

    def render_plain(self, name: str, value: Any, id_: str) -> str:
        """As :meth:`QuickSelect.render_plain`, for the text area."""
        text = self.format_value(value) or ""
        return (
            f'{_opening(self, "textarea", name)} id="{conditional_escape(id_)}">\n'
            f"{conditional_escape(text)}</textarea>"
        )
