"""Load the guide's defaults (levels, teams, phone lines, categories, calendars, policies) once.

Run again, it leaves alone whatever an administrator has edited since.
"""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from levels.models import SupportLevel


class Command(BaseCommand):
    help = "Load the support organisation of the guide 'Niveles de soporte' when the desk has none yet."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_guides", verbosity=0)  # the knowledge base's first articles, when missing
        if SupportLevel.objects.exists():
            self.stdout.write("The support levels are already set up; nothing changed.")
            return
        call_command("loaddata", "guide", verbosity=0)
        self.stdout.write(
            self.style.SUCCESS("Loaded the guide's levels, teams, phone lines, categories and calendars.")
        )
