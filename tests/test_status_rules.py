"""Which status allows what is said once, in assessments/workflow.py (and the models' named
groups of statuses): views, permissions, selectors and templates ask it, and restate nothing."""

import ast
import re
from pathlib import Path

from django.conf import settings

from assessments.models import Assessment, EscalationSummary

STATUSES = set(Assessment.Status.values) | set(EscalationSummary.Status.values)
ASKERS = ("assessments/views.py", "assessments/permissions.py", "assessments/selectors.py")
_NAMES = "|".join(sorted(STATUSES))
TEMPLATE_COMPARISON = re.compile(rf"""(==|!=|\bin)\s*["']({_NAMES})["']|\.status\s*(==|!=)""")


WORDS = {"_", "gettext", "gettext_lazy", "ngettext", "pgettext", "pgettext_lazy"}


def status_rules_in_python(source: str) -> list[str]:
    """Status literals and ``Status.`` members used in a module's code (not in docstrings, nor
    a word given to translation, such as a column's label "submitted")."""
    tree = ast.parse(source)
    words = {
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) in WORDS
        for arg in node.args
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in STATUSES and id(node) not in words:
            found.append(f"line {node.lineno}: {node.value!r}")
        if isinstance(node, ast.Attribute) and node.attr == "Status":
            found.append(f"line {node.lineno}: .Status")
    return found


def test_views_permissions_and_selectors_restate_no_status_rule():
    base = Path(settings.BASE_DIR)
    found = {path: status_rules_in_python((base / path).read_text()) for path in ASKERS}

    assert {path: rules for path, rules in found.items() if rules} == {}


def test_templates_compare_no_status():
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()[:80]}"
        for path in sorted((Path(settings.BASE_DIR) / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if TEMPLATE_COMPARISON.search(line)
    ]

    assert found == []


def test_the_checks_find_a_restated_rule():
    assert status_rules_in_python('if assessment.status == "in_review":\n    pass\n')
    assert status_rules_in_python("x = Assessment.Status.DRAFT\n")
    assert not status_rules_in_python('label = gettext_lazy("submitted")\n')
    assert TEMPLATE_COMPARISON.search('{% if assessment.status == "approved" %}')
    assert not TEMPLATE_COMPARISON.search('{% translate "approved" %}')
