"""Fixtures shared by the tests of the assessments app."""

import pytest

from tests.assessments.builders import CRISIS, build_assessment, build_situation


@pytest.fixture
def in_review(analyst, other_analyst, reviewer):
    """An assessment of a crisis in review, by ``analyst``, of a situation with two analysts."""
    situation = build_situation(
        by=reviewer, analysts=[analyst, other_analyst], name="Lakeside Province"
    )
    return build_assessment(
        situation, by=analyst, ratings=CRISIS, status="in_review", reviewer=reviewer
    )
