"""One guard for every spreadsheet the panel hands out (contacts, consent history, the upload's
error file): a spreadsheet must never run a cell as a formula. The upload reads the guard back,
so an exported `'+905321234567` comes back as `+905321234567`.
"""

from typing import Any

from import_export import fields, resources

# OWASP "CSV injection": a cell starting with one of these may be run as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"


def formula_safe(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula: text starting with = + - @ tab or CR
    gets a leading apostrophe. Numbers, dates and booleans are typed values, not text, and
    pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return FORMULA_GUARD + value
    return value


class FormulaSafeResource(resources.ModelResource):
    """A resource whose columns are built per export (translated headers, one column per
    profile attribute) and whose every cell passes `formula_safe`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields = dict(self.columns())

    def columns(self) -> list[tuple[str, fields.Field]]:
        raise NotImplementedError

    def get_export_order(self) -> tuple[str, ...]:
        return tuple(self.fields)

    def get_user_visible_fields(self) -> list[fields.Field]:
        return list(self.fields.values())

    def export_field(self, field, instance, **kwargs):
        return formula_safe(super().export_field(field, instance, **kwargs))

    def get_export_headers(self, selected_fields=None) -> list[str]:
        return [formula_safe(header) for header in super().get_export_headers(selected_fields)]


def column(header: str, read) -> fields.Field:
    """A read-only column computed from the row by `read(row)`."""
    return fields.Field(column_name=header, dehydrate_method=read, readonly=True)


