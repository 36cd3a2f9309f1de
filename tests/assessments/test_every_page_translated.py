"""Every page in every language: the main content of each page a role reaches (the pages of
the permission table that answer 200) holds no text that is a message of the English
catalogue left in English. Data (names, notes) is not in the catalogue and is not judged."""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.urls import reverse

from tests.assessments.test_permissions import (  # noqa: F401  # the fixture and its world
    ROLE_FIXTURES,
    TABLE,
    _kwargs,
    fast_password_hashing,
    world,
)

ROOT = Path(__file__).resolve().parent.parent.parent
LANGUAGES = {"ar": "ar", "zh-hans": "zh_Hans", "fr": "fr", "ru": "ru", "es": "es"}
# Words that stay the same in a language (names, codes, abbreviations) are not left-overs.
SAME_EVERYWHERE = re.compile(r"^[\W\d_]*$|^(R2P|PDF|CSV|XLSX|JSON|TOTP|WebAuthn|A-F|OK)$")
PAGES = [
    name
    for name, methods in TABLE.items()
    if methods["GET"]["reviewer"] == 200 or methods["GET"]["assigned"] == 200
]


def left_in_english(language: str) -> set[str]:
    """The catalogue's messages whose English would be out of place in ``language``."""
    po = polib.pofile(str(ROOT / "locale" / LANGUAGES[language] / "LC_MESSAGES" / "django.po"))
    messages = set()
    for entry in po.translated_entries():
        text = " ".join(entry.msgid.split())
        if "%" in text or "{" in text or SAME_EVERYWHERE.match(text):
            continue
        translated = entry.msgstr or entry.msgstr_plural.get(0, "")
        if " ".join(translated.split()) != text and len(text) > 3:
            messages.add(text)
    return messages


class MainText(HTMLParser):
    """The text of <main>, node by node, leaving out scripts, styles, code and whatever is
    marked as English on purpose (lang="en": reference data not yet translated)."""

    SKIPPED = {"script", "style", "code", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.in_main = False
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.in_main = True
        skip = tag in self.SKIPPED or ("lang", "en") in attrs
        if tag not in {"br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"}:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False
        while self.stack:
            opened, _skip = self.stack.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_main and not any(skip for _tag, skip in self.stack):
            text = " ".join(data.split())
            if text:
                self.texts.append(text)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_shows_english_from_the_catalogue(client, world, request, language):  # noqa: F811
    english = left_in_english(language)
    # The cast's names are data, whatever catalogue word they share ("Analyst").
    from django.contrib.auth.models import User

    for person in User.objects.all():
        english -= {person.username, person.first_name, person.last_name, person.get_full_name()}
        english -= {person.username.capitalize()}
    found = []
    for role in ("assigned", "reviewer", "admin"):
        client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
        for name in PAGES:
            if TABLE[name]["GET"][role] != 200:
                continue
            url = reverse(name, kwargs=_kwargs(name, world))
            response = client.get(url, headers={"accept-language": language})
            assert response.status_code == 200, url
            if not response["Content-Type"].startswith("text/html"):
                continue
            page = response.content.decode()
            if "<html" in page:
                assert f'<html lang="{language}"' in page, url
            else:  # a fragment that goes into a page (the polled summary status)
                page = f"<main>{page}</main>"
            parser = MainText()
            parser.feed(page)
            found += [f"{url} ({role}): {text!r}" for text in parser.texts if text in english]
    shown = "\n".join(sorted(set(found))[:40])
    assert found == [], f"{language}: {len(found)} English texts, e.g.\n{shown}"
