#!/usr/bin/env python
import sys

from config.environment import settings_module_default


def main() -> None:
    settings_module_default()  # DJANGO_ENV picks local or production settings
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
