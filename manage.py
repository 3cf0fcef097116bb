#!/usr/bin/env python
import sys

from config.environment import settings_module_default


def main() -> None:
    settings_module_default()  # DJANGO_ENV picks local or production settings
    from config.cli import execute_command_line

    execute_command_line(sys.argv)


if __name__ == "__main__":
    main()
