"""JSON bodies, refused whole when any text in them could not be stored: a NUL character (no
field of the app stores one; PostgreSQL refuses it, as the pages refuse it in a form), or a
lone surrogate, which JSON's \\u escapes can spell but no UTF-8 text can hold."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _unstorable(value: Any) -> bool:
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, Mapping):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(item) for item in value)
    return False


class NulFreeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if _unstorable(data):
            raise ParseError(
                _("The body holds a NUL character or a lone surrogate, which no field accepts.")
            )
        return data
