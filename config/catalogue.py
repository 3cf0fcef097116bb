"""Django's own strings the panel translates again.

Django's Turkish catalogue writes these in lower case ("izinler"); the admin capitalises the
first letter with str.upper, which gives "Izinler". Listed here, `make messages` keeps them in
our catalogue (LOCALE_PATHS wins over Django's), where they start with İ.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("permission"),
    gettext_noop("permissions"),
    gettext_noop("content type"),
    gettext_noop("content types"),
    gettext_noop("change message"),
]
