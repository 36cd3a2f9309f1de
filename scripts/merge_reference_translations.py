"""Merge a translator's file of reference texts into the reference data file.

A translator's file holds one language, object by object, keyed by code as in the English
source texts it was made from::

    {"crimes": {"genocide": {"name": "Génocide", "summary": "..."}},
     "risk_factors": {"RF1": {"title": "..."}}, "indicators": {"1.1": {"label": "..."}}, ...}

(kinds: crimes, risk_levels, reports, pillars, tools, pillar_tools, risk_factors, indicators;
the indicators sit inside ``risk_factors[*].indicators`` of the reference file). Each object
the file gives any text for gets its translation into that language replaced by the file's,
with the status given (``official``: UN text; ``working``: the office's own); an empty text is
left out (not translated yet), and objects the file leaves out keep what they had. The result
is checked as ``load_framework`` checks it and written only when it is valid.

Usage:
  DEBUG=true .venv/bin/python scripts/merge_reference_translations.py \\
      --language fr --status working /tmp/ref_fr.json [--reference PATH] [--check]
"""

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = ROOT / "framework" / "data" / "r2p_framework.json"


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "r2p_project.settings")
    import django

    django.setup()


def _objects(reference: dict[str, Any], kind: str) -> Iterator[dict[str, Any]]:
    if kind == "indicators":
        for factor in reference.get("risk_factors", []):
            yield from factor.get("indicators", [])
    else:
        yield from reference.get(kind, [])


def _rank(language: str) -> tuple[int, str]:
    """Languages in the order of the app's settings, any other after them."""
    from framework import i18n

    order = i18n.translation_languages()
    return (order.index(language) if language in order else len(order), language)


def merge(
    reference: dict[str, Any], texts: object, *, language: str, status: str
) -> tuple[int, list[str]]:
    """Write ``texts`` (a translator's file, parsed) into ``reference`` in place; return how
    many objects got a translation and the problems found (nothing is written on any)."""
    from framework import i18n
    from framework.dataset import TRANSLATED_KINDS

    problems: list[str] = []
    if language not in i18n.translation_languages():
        problems.append(
            f"unknown language {language!r} (one of {', '.join(i18n.translation_languages())})"
        )
    if status not in i18n.STATUSES:
        problems.append(f"unknown status {status!r} (one of {', '.join(i18n.STATUSES)})")
    if not isinstance(texts, dict):
        return 0, [*problems, "the top level must be a JSON object"]
    if problems:
        return 0, problems
    merged = 0
    for kind, given in texts.items():
        if kind not in TRANSLATED_KINDS:
            problems.append(f"{kind}: unknown kind (one of {', '.join(TRANSLATED_KINDS)})")
            continue
        if not isinstance(given, dict):
            problems.append(f"{kind}: must be an object of codes")
            continue
        fields = TRANSLATED_KINDS[kind].translatable_fields
        by_code = {obj["code"]: obj for obj in _objects(reference, kind) if "code" in obj}
        for code, values in given.items():
            place = f"{kind}.{code}"
            obj = by_code.get(code)
            if obj is None:
                problems.append(f"{place}: no such code in the reference file")
                continue
            if not isinstance(values, dict):
                problems.append(f"{place}: must be an object of texts")
                continue
            entry: dict[str, str] = {"status": status}
            for name, text in values.items():
                if name not in fields:
                    problems.append(
                        f"{place}.{name}: not a translatable field (one of {', '.join(fields)})"
                    )
                elif not isinstance(text, str):
                    problems.append(f"{place}.{name}: must be a string")
            for name in fields:
                text = values.get(name)
                if isinstance(text, str) and text.strip():
                    entry[name] = text.strip()
            if len(entry) == 1:
                continue  # nothing translated yet: what the object had stays
            translations = {**obj.get("translations", {}), language: entry}
            obj["translations"] = {
                key: translations[key] for key in sorted(translations, key=_rank)
            }
            merged += 1
    return merged, problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("texts", help="the translator's file of one language")
    parser.add_argument("--language", required=True, help="its language code, e.g. fr")
    parser.add_argument("--status", required=True, choices=("official", "working"))
    parser.add_argument("--reference", default=str(DEFAULT_REFERENCE))
    parser.add_argument("--check", action="store_true", help="check only; write nothing")
    args = parser.parse_args(argv)
    _setup_django()
    from framework.dataset import DatasetError, validate_dataset

    reference_path = Path(args.reference)
    try:
        reference = json.loads(reference_path.read_text(encoding="utf-8"))
        texts = json.loads(Path(args.texts).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot read: {exc}", file=sys.stderr)
        return 1
    merged, problems = merge(reference, texts, language=args.language, status=args.status)
    if not problems:
        try:
            validate_dataset(reference, str(reference_path))
        except DatasetError as exc:
            problems = exc.problems
    if problems:
        print(
            f"{args.texts}: refused ({len(problems)} problems); nothing written:", file=sys.stderr
        )
        for problem in problems:
            print(f"  {args.texts}: {problem}", file=sys.stderr)
        return 1
    if not args.check:
        text = json.dumps(reference, indent=1, ensure_ascii=False)
        reference_path.write_text(text, encoding="utf-8")
    verb = "would merge" if args.check else "merged"
    print(f"{args.texts}: {verb} {merged} {args.language} translations ({args.status})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
