#!/usr/bin/env python
"""Django's command-line utility for tierdesk."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    from django.core.management import execute_from_command_line

    from tierdesk.env import ConfigurationError

    try:
        execute_from_command_line(sys.argv)
    except ConfigurationError as error:
        # A bad setting: one line naming the variable, not a traceback.
        sys.stderr.write(f"ConfigurationError: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
