"""Admin searches by identifier that probe the unique indexes instead of reading a table."""

from django.db.models import Q, QuerySet

from consents.selectors import identifier_matches

# For lists of consents: the recipient is the contact's e-mail or phone.
RECIPIENT_LOOKUPS = {"email": ("recipient",), "phone": ("recipient",)}


class IdentifierSearchMixin:
    """Search a list by e-mail, phone or external ID, normalised as they are stored.

    Django's "=field" search compares UPPER(field) with UPPER(term), which no unique index
    serves: with a million contacts each search read the whole table. Here a term becomes the
    exact values it can stand for ("0532 123 45 67" finds +905321234567).
    """

    # identifier ("email", "phone", "external_id") -> the lookups it is searched in
    identifier_lookups: dict[str, tuple[str, ...]] = {}
    # further lookups compared with the term as typed, e.g. ("iys_transaction_id",)
    term_lookups: tuple[str, ...] = ()

    def get_search_results(self, request, queryset: QuerySet,
                           search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q(pk__in=[])
        for identifier, value in identifier_matches(term).items():
            for lookup in self.identifier_lookups.get(identifier, ()):
                condition |= Q(**{lookup: value})
        for lookup in self.term_lookups:
            condition |= Q(**{lookup: term})
        return queryset.filter(condition), False
