from typing import Any

from django.core.management.base import BaseCommand

from guides.loader import load_articles


class Command(BaseCommand):
    help = "Create the first knowledge-base articles (the guide 'Niveles de soporte' and others) when missing."

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_articles()
        if options["verbosity"] > 0:
            self.stdout.write(f"Guides: {created} article(s) created.")
