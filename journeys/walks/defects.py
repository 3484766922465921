"""What the walks find wrong today, in plain words: the reasons of their ``xfail(strict=True)``
marks. Whoever fixes one removes the marks that name it (the test then fails as XPASS until they
do). None is open today: a walk that finds a new defect names it here, in a constant, and marks
the tests that see it with ``languages(es=…, en=…, fr=…)``.

Several checks (raw codes, text in another language) catch more than one defect on a screen; their
reasons list every defect that still shows there.
"""

from __future__ import annotations

import pytest


def defect(reason: str) -> pytest.MarkDecorator:
    """A defect seen on screen: the test fails while it is there, and the suite fails (XPASS
    strict) the day it is fixed, so that whoever fixes it removes the mark. Only a failed
    assertion counts as the defect: any other error in the test is reported as an error."""
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)


def both(*reasons: str) -> str:
    return " AND ".join(reasons)
