"""The catalogues of locale/: every message of the code translated into each of the five
languages besides English, none fuzzy, each with the placeholders of its English and the
plural forms its language has; and no message of the code missing from them."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.conftest import cannot_run_here

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = {"ar": 6, "zh_Hans": 1, "fr": 2, "ru": 4, "es": 3}  # and their plural forms
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{\{ ?[a-z_.]+ ?\}\}|\{[a-z_]+\}")
TAG = re.compile(r"</?[a-z]+[^>]*>")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def test_every_language_of_the_app_has_a_catalogue():
    offered = {code for code, _name in settings.LANGUAGES} - {"en"}
    assert {code.replace("zh_Hans", "zh-hans") for code in LANGUAGES} == offered


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)

    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]

    assert untranslated == [], (
        f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    )
    assert fuzzy == [], f"{language}: fuzzy: {fuzzy[:5]}"
    assert "fuzzy" not in po.metadata_as_entry().flags
    assert po.metadata["Language"] == language


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_translation_keeps_the_placeholders_tags_and_plural_forms_of_its_english(language):
    po = catalogue(language)
    nplurals = LANGUAGES[language]
    assert f"nplurals={nplurals};" in po.metadata["Plural-Forms"]
    problems = []
    for entry in po.translated_entries():
        if entry.msgid_plural:
            expected = set(PLACEHOLDER.findall(entry.msgid_plural))
            forms = [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
            if len(forms) != nplurals:
                problems.append(f"{entry.msgid!r}: {len(forms)} plural forms")
            for form in forms:
                # A form may name the count or leave it out ("one day"), nothing else.
                if set(PLACEHOLDER.findall(form)) - expected or (
                    expected - {"%(count)d"} - set(PLACEHOLDER.findall(form))
                ):
                    problems.append(f"{entry.msgid!r}: {form!r}")
        else:
            if sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(
                PLACEHOLDER.findall(entry.msgstr)
            ):
                problems.append(f"{entry.msgid!r}: {entry.msgstr!r}")
            if len(TAG.findall(entry.msgid)) != len(TAG.findall(entry.msgstr)):
                problems.append(f"{entry.msgid!r}: tags differ in {entry.msgstr!r}")
    assert problems == [], f"{language}: " + "\n".join(problems[:20])


#: The project's own packages: every folder of the project with an app or a module of it.
PACKAGES = sorted(
    path.name
    for path in ROOT.iterdir()
    if (path / "__init__.py").exists() and path.name not in ("tests", "benchmarks", "scripts")
)
#: The names makemessages knows a translation function by (xgettext's keywords).
KNOWN_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "gettext_noop",
}


def test_translation_functions_go_by_names_that_makemessages_knows():
    """``gettext_lazy as _lazy`` would hide every string it marks from the catalogues."""
    aliased = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                    aliased += [
                        f"{path.relative_to(ROOT)}: {alias.name} as {alias.asname}"
                        for alias in node.names
                        if alias.asname and alias.asname not in KNOWN_NAMES
                    ]
    assert aliased == []


def test_the_catalogues_hold_every_message_of_the_code(tmp_path):
    """Django's makemessages over a copy of the code: nothing it finds is missing from the
    catalogues (a new string of the code must be translated before it lands)."""
    if not shutil.which("xgettext"):
        message = "the catalogue check needs GNU gettext's xgettext (apt-get install gettext)"
        cannot_run_here(message)
    for name in [*PACKAGES, "templates"]:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "R2P_ENV_FILE": "/dev/null"},
    )
    found = {
        (entry.msgctxt, entry.msgid)
        for entry in polib.pofile(str(tmp_path / "locale/fr/LC_MESSAGES/django.po"))
    }
    for language in LANGUAGES:
        held = {(entry.msgctxt, entry.msgid) for entry in catalogue(language)}
        missing = sorted(msgid for _ctx, msgid in found - held)
        assert missing == [], f"{language} lacks {len(missing)}, e.g. {missing[:5]}"
