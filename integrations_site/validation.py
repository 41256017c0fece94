"""Validators for the kinds of free text every app accepts, used by forms and the API alike.

Names (of integrations, drivers, services, pipelines, nodes, tokens) are stripped and must
not be blank, must fit their column, and may not hold control characters (a line break in a
name ends up in headers and file names) or text the database cannot store (NUL, which
PostgreSQL refuses, and lone surrogates, which no database encodes). Image references,
repository names and registry URLs have validators of their own beside their parsers
(integrations/images.py, the registry provider)."""

import re

from django.core.exceptions import ValidationError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

NOT_STORABLE = "Remove the characters that cannot be stored (NUL or invalid Unicode)."
CONTROL_CHARACTERS = "Names cannot contain control characters such as line breaks or tabs."
REQUIRED = "This field is required."


def storable(value: str) -> bool:
    """Whether every database we run on can store `value` as text."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, e.g. from JSON "\ud800"
        return False
    return True


def clean_name(value: str, *, max_length: int) -> str:
    """The name as stored, or a ValidationError with a code: required, max_length, invalid."""
    if not storable(value):
        raise ValidationError(NOT_STORABLE, code="invalid")
    name = value.strip()
    if not name:
        raise ValidationError(REQUIRED, code="required")
    if _CONTROL.search(name):
        raise ValidationError(CONTROL_CHARACTERS, code="invalid")
    if len(name) > max_length:
        raise ValidationError(
            f"Ensure this value has at most {max_length} characters (it has {len(name)}).",
            code="max_length",
        )
    return name
