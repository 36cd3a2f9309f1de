"""Links between the pages of a list, for pages that hold more than one paged list."""

from typing import Any

from django import template
from django.core.paginator import Page
from django.http import HttpRequest

register = template.Library()


@register.simple_tag(takes_context=True)
def page_link(context: template.Context, number: int, param: str = "page", anchor: str = "") -> str:
    """The request's query string with page ``number`` of the list paged by ``param`` (the
    other lists' pages, the filters and the sort kept), and ``#anchor`` if given."""
    request: HttpRequest = context["request"]
    query = request.GET.copy()
    query[param] = str(number)
    return f"?{query.urlencode()}" + (f"#{anchor}" if anchor else "")


@register.filter
def page_numbers(page: Page[Any]) -> list[int | str]:
    """The numbers of the pages to link to around ``page``: the first and last ones, two on
    each side of it, an ellipsis (``Paginator.ELLIPSIS``) for each gap."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
