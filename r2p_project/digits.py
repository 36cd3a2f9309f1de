"""Arabic-Indic digits for Arabic pages, when the office chooses them (``ARABIC_DIGITS``).

By default Arabic pages keep Latin digits, as Django's Arabic formats do. With
``ARABIC_DIGITS=arabic-indic`` the digits of an Arabic page's text are written ٠١٢٣٤٥٦٧٨٩,
except where Latin ones must stay: in a word with Latin letters (a code such as RF10, a
document symbol such as A/70/741-S/2016/71), in code, scripts, styles, form fields' text and
whatever is marked left to right (``dir="ltr"``: charts, keys, recovery codes). Attributes are
never changed, so links, values and ids stay what the server reads.
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CHOICES = ("latin", "arabic-indic")
ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x0660 + digit) for digit in range(10)))
# The elements whose text keeps Latin digits, with everything inside them.
KEPT = {"script", "style", "code", "pre", "textarea", "kbd", "samp", "svg"}
TAG = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")
LTR = re.compile(r"""\sdir\s*=\s*["']?ltr""", re.I)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
LATIN_WORD = re.compile(r"\S*[A-Za-z]\S*")


def _text(text: str) -> str:
    """Digits outside words with Latin letters, in Arabic-Indic."""
    parts = []
    last = 0
    for word in LATIN_WORD.finditer(text):
        parts.append(text[last : word.start()].translate(ARABIC_INDIC))
        parts.append(word.group())
        last = word.end()
    parts.append(text[last:].translate(ARABIC_INDIC))
    return "".join(parts)


def arabic_indic(html: str) -> str:
    """The page with the digits of its text (not of its tags, nor of what is kept) changed."""
    out: list[str] = []
    kept: list[str] = []  # the open elements whose text is kept, innermost last
    for piece in TAG.split(html):
        if not piece:
            continue
        if piece.startswith("<"):
            out.append(piece)
            name_match = TAG_NAME.match(piece)
            if piece.startswith("<!") or name_match is None:
                continue
            name = name_match.group(1).lower()
            if piece.startswith("</"):
                if kept and kept[-1] == name:
                    kept.pop()
            elif (
                name not in VOID
                and not piece.endswith("/>")
                and (name in KEPT or LTR.search(piece) or kept)
            ):
                kept.append(name)
            continue
        out.append(piece if kept else _text(piece))
    return "".join(out)


class ArabicDigitsMiddleware:
    """Writes an Arabic page's digits the office's way (a no-op unless it chose arabic-indic)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.ARABIC_DIGITS == "arabic-indic"
            and response.get("Content-Language", getattr(request, "LANGUAGE_CODE", "")) == "ar"
            and response.get("Content-Type", "").startswith("text/html")
            and not response.streaming
        ):
            charset = response.charset or "utf-8"
            response.content = arabic_indic(response.content.decode(charset)).encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
