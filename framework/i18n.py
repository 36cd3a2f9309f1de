"""The reference data in the reader's language.

A translatable reference object keeps its English text in its own fields (the source, which
the scoring, the history and the snapshots quote) and its other languages in ``translations``::

    {"fr": {"status": "working", "title": "Conflit armé ..."}, "ar": {...}}

``status`` says whose words they are: ``official`` (the UN's text in that language) or
``working`` (the office's own translation). :func:`localized` picks the text of the active
language and says where it came from, so that a page can show the difference
(:func:`marked`); English always reads the object's own field. No query is run here: the
JSON comes with the object's row.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

OFFICIAL = "official"
WORKING = "working"
#: The statuses a translation may have.
STATUSES = (OFFICIAL, WORKING)
#: The "status" of an object's own (English) field.
SOURCE = "source"


def source_language() -> str:
    """The language of the objects' own fields (``settings.LANGUAGE_CODE``, English)."""
    return str(settings.LANGUAGE_CODE).lower()


def translation_languages() -> tuple[str, ...]:
    """The languages a reference object may be translated into: the app's other languages."""
    source = source_language()
    return tuple(code for code, _name in settings.LANGUAGES if code.lower() != source)


def language_name(code: str) -> str:
    """A language's name in that language, as the language switcher shows it."""
    return str(dict(settings.LANGUAGES).get(code, code))


class Localized(str):
    """A reference text in the reader's language, which says where it came from.

    ``language``: the language of the text; ``status``: ``source`` (the object's own English
    field), ``official`` or ``working``; ``fallback``: the reader's language has no text for
    the field, so the English one is given. It is a plain string wherever a string is
    expected (plain-text exports, attributes, sorting); :func:`marked` renders its marks.
    """

    language: str
    status: str
    fallback: bool

    def __new__(
        cls, text: str, *, language: str, status: str = SOURCE, fallback: bool = False
    ) -> "Localized":
        made = super().__new__(cls, text)
        made.language = language
        made.status = status
        made.fallback = fallback
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (str(self), self.language, self.status, self.fallback))

    @property
    def official(self) -> bool:
        """Official UN text in the reader's language."""
        return self.status == OFFICIAL

    @property
    def working(self) -> bool:
        """The office's own working translation."""
        return self.status == WORKING


def _rebuild(text: str, language: str, status: str, fallback: bool) -> Localized:
    return Localized(text, language=language, status=status, fallback=fallback)


def reader_language(language: str | None = None) -> str:
    """``language``, else the active one, else the source language; lower case."""
    return (language or get_language() or source_language()).lower()


def is_source_language(language: str | None = None) -> bool:
    """Whether ``language`` (the active one by default) reads the objects' own fields."""
    wanted = reader_language(language)
    source = source_language()
    return wanted == source or wanted.startswith(f"{source}-")


def _entry(translations: object, language: str) -> Mapping[str, Any] | None:
    """The translation of ``language`` (or of its base language: ``fr`` for ``fr-ca``)."""
    if not isinstance(translations, Mapping):
        return None
    entry = translations.get(language)
    if entry is None and "-" in language:
        entry = translations.get(language.partition("-")[0])
    return entry if isinstance(entry, Mapping) else None


def localize(
    source: str, translations: object, field: str, language: str | None = None
) -> Localized:
    """The text of ``field`` in ``language`` (the active one by default): its translation
    when there is one, else ``source`` (the English text), marked as a fallback."""
    wanted = reader_language(language)
    source = source or ""
    if is_source_language(wanted):
        return Localized(source, language=source_language())
    entry = _entry(translations, wanted)
    text = entry.get(field) if entry is not None else None
    if isinstance(text, str) and text.strip():
        status = entry.get("status") if entry is not None else None
        return Localized(text, language=wanted, status=status if status in STATUSES else WORKING)
    return Localized(source, language=source_language(), fallback=bool(source.strip()))


def localized(obj: object, field: str, language: str | None = None) -> Localized:
    """The text of ``obj``'s ``field`` in ``language`` (the active one by default)."""
    return localize(
        str(getattr(obj, field, "") or ""), getattr(obj, "translations", None), field, language
    )


@dataclass(frozen=True)
class ReferenceTexts:
    """The translations of reference objects, by kind and key, for the texts that stored
    snapshots quote in English (a summary's factor titles, a result's tool names): each is
    shown in the reader's language when its object has a translation, else as stored.

    Kinds and keys: ``factor`` (number), ``indicator``, ``tool``, ``crime`` (code),
    ``entry`` (a pillar/tool entry's code: its tool's name), ``report`` (document symbol).
    Empty on an English page, where the snapshot's own words are the source text
    (``framework.selectors.reference_texts`` runs no query then)."""

    translations: Mapping[tuple[str, str], object] = field(default_factory=dict)

    def text(self, kind: str, key: object, source: str, field_name: str) -> Localized:
        return localize(source, self.translations.get((kind, str(key))), field_name)


def marked(text: object) -> SafeString:
    """``text`` as HTML with its marks: English shown for want of a translation carries
    ``lang`` and an "EN" badge, a working translation a dagger; each mark is explained to
    screen readers. Official text, English on an English page, and plain strings are
    escaped, unmarked."""
    if text is None:
        return SafeString("")
    if not isinstance(text, Localized) or not text:
        return conditional_escape(text if isinstance(text, str) else str(text))
    if text.fallback:
        return format_html(
            '<span class="ref-text ref-fallback"><span lang="{}" dir="ltr">{}</span> '
            '<span class="ref-badge" aria-hidden="true">{}</span>'
            '<span class="visually-hidden"> {}</span></span>',
            text.language,
            str(text),
            text.language.upper(),
            _("(not yet translated: English shown)"),
        )
    if text.working:
        return format_html(
            '<span class="ref-text ref-working">{}<sup class="ref-mark" aria-hidden="true">'
            '†</sup><span class="visually-hidden"> {}</span></span>',
            str(text),
            _("(the office's working translation)"),
        )
    return conditional_escape(str(text))


def clean_translations(value: object, fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """``value`` with what is empty taken out: blank texts, fields not in ``fields``, and the
    languages left with no text."""
    cleaned: dict[str, dict[str, str]] = {}
    if not isinstance(value, Mapping):
        return cleaned
    for language, entry in value.items():
        if not isinstance(entry, Mapping):
            continue
        texts = {
            field: str(entry[field]).strip()
            for field in fields
            if isinstance(entry.get(field), str) and str(entry[field]).strip()
        }
        if texts:
            status = entry.get("status")
            cleaned[str(language)] = {"status": status if status in STATUSES else WORKING, **texts}
    return cleaned
