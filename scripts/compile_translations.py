"""Compile each catalogue of locale/ (django.po) into the django.mo Django reads, with polib,
so that no system gettext is needed to run the app; make calls it when a catalogue changed.

Usage: python scripts/compile_translations.py locale/fr/LC_MESSAGES/django.po [...]
"""

import sys
from pathlib import Path

import polib


def main(paths: list[str]) -> int:
    for path in paths:
        catalogue = polib.pofile(path)
        catalogue.save_as_mofile(str(Path(path).with_suffix(".mo")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
