"""The level 3 pipeline's fixtures, for a person with an issued invoice."""

from __future__ import annotations

from infogerencia.tests.conftest import Pipeline, _catalogue, _webhook_secret, morning, pipeline  # noqa: F401
