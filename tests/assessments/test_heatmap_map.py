"""The watch pages: the factor heatmap (with its CSV and XLSX exports) and the world map."""

import csv
import io
import re
from collections import Counter
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments import derived, worldmap
from assessments.filters import PAGE_SIZE
from assessments.models import Assessment, Situation
from assessments.selectors import MapCountry, MapLevel
from tests.assessments.builders import build_assessment, build_situation
from tests.assessments.test_pagination import SIZES, grow_to, queries_of
from tests.assessments.test_queries import many_situations

SVG_NAMESPACE = "http://www.w3.org/2000/svg"

# Page, CSV, XLSX and map: the session, the user and the user's groups (3 queries), then
# the heatmap: the factors, the situations with their latest assessments' ids, the levels of
# those assessments; the map: the situations with their levels. The pages also list the
# assigned analysts to filter by (one query); the exports show no form.
HEATMAP_QUERIES = 8  # + the unread notifications' count
MAP_QUERIES = 6  # + the unread notifications' count


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def watched(analyst, other_analyst, reviewer):
    """Three Sudanese situations of the analyst, and one in Myanmar of the other analyst.

    - North Darfur: approved (RF10 high, RF7 moderate), then a newer draft (RF1 high) that
      the heatmap does not show: current crisis.
    - Kordofan: only a draft (RF9 moderate, RF7 low): serious concern, unapproved.
    - Blue Nile: no assessment.
    - Rakhine (Myanmar, other analyst): approved, RF9 high: imminent risk.
    """
    darfur = build_situation(by=reviewer, analysts=[analyst], name="North Darfur", code="darfur")
    approved = build_assessment(
        darfur,
        by=analyst,
        ratings={"10.1": "high", "7.5": "moderate"},
        status="approved",
        reviewer=reviewer,
        as_of=date(2026, 4, 1),
    )
    build_assessment(darfur, by=analyst, ratings={"1.1": "high"}, as_of=date(2026, 5, 1))
    kordofan = build_situation(by=reviewer, analysts=[analyst], name="Kordofan", code="kordofan")
    draft = build_assessment(
        kordofan, by=analyst, ratings={"9.1": "moderate", "7.5": "low"}, as_of=date(2026, 5, 2)
    )
    blue_nile = build_situation(by=reviewer, analysts=[analyst], name="Blue Nile", code="nile")
    rakhine = build_situation(
        by=reviewer, analysts=[other_analyst], name="Rakhine", code="rakhine", country="MM"
    )
    rakhine_assessment = build_assessment(
        rakhine,
        by=other_analyst,
        ratings={"9.1": "high"},
        status="approved",
        reviewer=reviewer,
        as_of=date(2026, 3, 1),
    )
    assert approved.overall_level == "current_crisis"
    assert draft.overall_level == "serious_concern"
    assert rakhine_assessment.overall_level == "imminent_risk"
    return {
        "darfur": darfur,
        "approved": approved,
        "kordofan": kordofan,
        "draft": draft,
        "blue_nile": blue_nile,
        "rakhine": rakhine,
        "rakhine_assessment": rakhine_assessment,
    }


def heatmap_rows(response):
    """Each row of the page's heatmap as (situation, assessment id, approved, rated factors)."""
    return [
        (
            row.situation.name,
            row.assessment_id,
            row.approved,
            {c.factor: c.level for c in row.cells if c.level},
        )
        for row in response.context["rows"]
    ]


def factor_values(rated):
    """The 14 factors' (code, label) pairs of an export row: ``rated`` by number, the rest
    not assessed."""
    values = []
    for number in range(1, 15):
        level = rated.get(number, "not_assessed")
        values += [level, level.replace("_", " ")]
    return values


def svg_of(response):
    page = response.content.decode()
    return page[page.index("<svg") : page.index("</svg>") + len("</svg>")]


# The heatmap ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_heatmap_shows_the_factor_levels_of_each_situations_latest_approved_assessment(
    client, reviewer, watched
):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:heatmap"))

    assert response.status_code == 200
    assert heatmap_rows(response) == [
        ("Blue Nile", None, False, {}),
        ("Kordofan", watched["draft"].pk, False, {7: "low", 9: "moderate"}),
        ("North Darfur", watched["approved"].pk, True, {7: "moderate", 10: "high"}),
        ("Rakhine", watched["rakhine_assessment"].pk, True, {9: "high"}),
    ]
    assert [c.level for c in response.context["rows"][2].cells] == [
        None, None, None, None, None, None, "moderate", None, None, "high", None, None, None, None
    ]  # fmt: skip
    page = response.content.decode()
    darfur = reverse("assessments:detail", kwargs={"pk": watched["approved"].pk})
    assert (
        f'<a href="{darfur}#factor-10"><span class="visually-hidden">North Darfur, RF10: ' in page
    )
    assert f'<a href="{darfur}#factor-7">' in page
    # A factor with no indicator assessed links to the assessment's rated indicators.
    assert f'<a href="{darfur}#ratings-title">' in page
    assert '<td class="sev sev-high">' in page
    for number in range(1, 15):
        assert f'<span class="factor-code">RF{number}</span>' in page


@pytest.mark.django_db
def test_each_heatmap_cell_says_its_level_in_words_as_well_as_in_colour(client, reviewer, watched):
    client.force_login(reviewer)

    page = client.get(reverse("assessments:heatmap")).content.decode()

    cells = re.findall(
        r'<td class="sev sev-([a-z_]+)"><a [^>]*>(?:<span[^<]*</span>)?([^<]+)</a>', page
    )
    assert len(cells) == 3 * 14
    labels = {"high": "high", "moderate": "moderate", "low": "low", "not_assessed": "not assessed"}
    assert all(text == labels[colour] for colour, text in cells)


@pytest.mark.django_db
def test_a_situation_with_only_an_unapproved_assessment_is_marked_unapproved(
    client, analyst, watched
):
    client.force_login(analyst)

    page = client.get(reverse("assessments:heatmap")).content.decode()

    kordofan = page[page.index(">Kordofan</a>") : page.index(">North Darfur</a>")]
    assert "2026-05-02" in kordofan
    assert "unapproved" in kordofan
    darfur = page[page.index(">North Darfur</a>") :]
    darfur = darfur[: darfur.index("</tr>")]
    assert "2026-04-01" in darfur
    assert "unapproved" not in darfur
    blue_nile = page[page.index(">Blue Nile</a>") : page.index(">Kordofan</a>")]
    assert "No assessment yet" in blue_nile


@pytest.mark.django_db
def test_heatmap_sorts_by_a_factors_severity_in_either_direction(client, reviewer, watched):
    client.force_login(reviewer)
    url = reverse("assessments:heatmap")

    highest_first = client.get(url, {"sort": "-RF10"})
    lowest_first = client.get(url, {"sort": "RF10"})
    by_rf9 = client.get(url, {"sort": "-RF9"})
    by_name_descending = client.get(url, {"sort": "-name"})

    names = lambda response: [row.situation.name for row in response.context["rows"]]  # noqa: E731
    # RF10: Darfur high; Kordofan and Rakhine assessed, RF10 not assessed; Blue Nile none.
    assert names(highest_first) == ["North Darfur", "Kordofan", "Rakhine", "Blue Nile"]
    assert names(lowest_first) == ["Blue Nile", "Kordofan", "Rakhine", "North Darfur"]
    assert names(by_rf9) == ["Rakhine", "Kordofan", "North Darfur", "Blue Nile"]
    assert names(by_name_descending) == ["Rakhine", "North Darfur", "Kordofan", "Blue Nile"]
    page = highest_first.content.decode()
    assert '<th scope="col" aria-sort="descending"><a href="?sort=RF10">' in page
    assert '<a href="?sort=-RF9">' in page


@pytest.mark.django_db
def test_an_unknown_sort_falls_back_to_the_situation_name(client, reviewer, watched):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:heatmap"), {"sort": "RF99"})

    assert [row.situation.name for row in response.context["rows"]] == [
        "Blue Nile",
        "Kordofan",
        "North Darfur",
        "Rakhine",
    ]
    assert response.context["sort"] == "name"


@pytest.mark.django_db
def test_heatmap_filters_by_search_and_country_and_keeps_them_in_its_links(
    client, reviewer, watched
):
    client.force_login(reviewer)
    url = reverse("assessments:heatmap")

    in_sudan = client.get(url, {"country": "SD", "sort": "-RF7"})
    searched = client.get(url, {"q": "dar"})

    assert [row.situation.name for row in in_sudan.context["rows"]] == [
        "North Darfur",
        "Kordofan",
        "Blue Nile",
    ]
    assert [row.situation.name for row in searched.context["rows"]] == ["North Darfur"]
    page = in_sudan.content.decode()
    assert f"{reverse('assessments:heatmap_csv')}?country=SD&amp;sort=-RF7" in page
    assert '<a href="?country=SD&amp;sort=RF7">' in page
    assert '<input type="hidden" name="sort" value="-RF7">' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"level": "current_crisis"}, ["North Darfur"]),
        ({"level": "serious_concern"}, ["Kordofan"]),
        ({"level": "none"}, ["Blue Nile"]),
        ({"overdue": "yes"}, ["Blue Nile", "Kordofan", "North Darfur", "Rakhine"]),
        ({"status": "draft"}, ["Kordofan", "North Darfur"]),
        ({"status": "approved"}, ["Rakhine"]),
        ({"confidentiality": "strictly_confidential"}, ["Kordofan"]),
        ({"region": "south"}, ["Blue Nile"]),
        ({"q": "Myanmar"}, ["Rakhine"]),
    ],
)
def test_heatmap_and_map_apply_every_filter_of_the_situation_list(
    client, reviewer, watched, query, expected
):
    Situation.objects.filter(pk=watched["kordofan"].pk).update(
        confidentiality="strictly_confidential"
    )
    Situation.objects.filter(pk=watched["blue_nile"].pk).update(region="South Blue Nile")
    client.force_login(reviewer)

    listed = client.get(reverse("assessments:situations"), query)
    heatmap = client.get(reverse("assessments:heatmap"), query)
    world = client.get(reverse("assessments:map"), query)
    exported = client.get(reverse("assessments:heatmap_csv"), query)

    assert [row.situation.name for row in listed.context["rows"]] == expected
    assert [row.situation.name for row in heatmap.context["rows"]] == expected
    in_country = Counter(Situation.objects.filter(name__in=expected).values_list("country"))
    mapped = {c.code: c.count for c in world.context["countries"]}
    assert mapped == {str(country): count for (country,), count in in_country.items()}
    csv_rows = list(csv.reader(io.StringIO(exported.content.decode())))[1:]
    assert [r[1] for r in csv_rows] == expected


@pytest.mark.django_db
def test_heatmap_and_map_filter_by_assigned_analyst(client, reviewer, other_analyst, watched):
    client.force_login(reviewer)
    query = {"analyst": other_analyst.pk}

    heatmap = client.get(reverse("assessments:heatmap"), query)
    world = client.get(reverse("assessments:map"), query)

    assert [row.situation.name for row in heatmap.context["rows"]] == ["Rakhine"]
    assert [c.code for c in world.context["countries"]] == ["MM"]
    assert world.context["filter"].form.errors == {}


@pytest.mark.django_db
def test_heatmap_names_a_filter_it_cannot_use_and_ignores_it(client, reviewer, watched):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:heatmap"), {"level": "dire", "q": "Kordofan"})

    assert response.status_code == 200
    assert [row.situation.name for row in response.context["rows"]] == ["Kordofan"]
    page = response.content.decode()
    assert "Some filters could not be used and were ignored:" in page
    assert 'aria-invalid="true"' in page


@pytest.mark.django_db
def test_heatmap_csv_holds_the_rows_and_values_shown(client, reviewer, watched):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:heatmap_csv"), {"sort": "-RF10"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="heatmap-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Situation code", "Situation", "Country", "As of", "Approval"]
        + [text for n in range(1, 15) for text in (f"RF{n}", f"RF{n} (label)")],
        [
            "darfur",
            "North Darfur",
            "SD",
            "2026-04-01",
            "approved",
            *factor_values({7: "moderate", 10: "high"}),
        ],
        [
            "kordofan",
            "Kordofan",
            "SD",
            "2026-05-02",
            "unapproved",
            *factor_values({7: "low", 9: "moderate"}),
        ],
        ["rakhine", "Rakhine", "MM", "2026-03-01", "approved", *factor_values({9: "high"})],
        ["nile", "Blue Nile", "SD", "", ""] + ["", "no assessment"] * 14,
    ]


@pytest.mark.django_db
def test_heatmap_xlsx_holds_the_same_rows_as_the_csv(client, reviewer, watched):
    client.force_login(reviewer)
    csv_rows = list(
        csv.reader(io.StringIO(client.get(reverse("assessments:heatmap_csv")).content.decode()))
    )

    response = client.get(reverse("assessments:heatmap_xlsx"))

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.values]
    assert rows == csv_rows
    assert [row[1] for row in rows[1:]] == ["Blue Nile", "Kordofan", "North Darfur", "Rakhine"]
    assert rows[3][5 + 2 * 9 : 5 + 2 * 9 + 2] == ["high", "high"]  # RF10 of North Darfur


@pytest.mark.django_db
def test_exports_never_turn_a_situation_name_into_a_formula(client, reviewer, analyst):
    build_situation(by=reviewer, analysts=[analyst], name="=HYPERLINK(1)", code="formula")
    client.force_login(reviewer)

    csv_rows = list(
        csv.reader(io.StringIO(client.get(reverse("assessments:heatmap_csv")).content.decode()))
    )
    sheet = load_workbook(io.BytesIO(client.get(reverse("assessments:heatmap_xlsx")).content))

    assert csv_rows[1][1] == "'=HYPERLINK(1)"
    cell = sheet.active["B2"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")


# The map ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_map_colours_each_country_by_its_highest_situation_level_and_links_it(
    client, reviewer, watched
):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:map"))

    assert response.status_code == 200
    countries = response.context["countries"]
    assert [(c.code, c.name, c.level, c.count) for c in countries] == [
        ("MM", "Myanmar", "imminent_risk", 1),
        ("SD", "Sudan", "current_crisis", 3),
    ]
    assert countries[1].levels == [
        MapLevel("current_crisis", 1, 0),
        MapLevel("serious_concern", 1, 1),  # Kordofan: only a draft
        MapLevel(None, 1, 0),  # Blue Nile: no assessment
    ]
    svg = svg_of(response)
    situations = reverse("assessments:situations")
    assert (
        f'<a href="{situations}?country=SD" tabindex="0" class="map-link" data-country="SD">'
        "<title>Sudan: current crisis. 3 situations: 1 current crisis; "
        "1 serious concern (1 unapproved); 1 not assessed.</title>"
        '<g class="country watched level-current_crisis">'
    ) in svg
    assert (
        f'<a href="{situations}?country=MM" tabindex="0" class="map-link" data-country="MM">'
        "<title>Myanmar: imminent risk. 1 situation: 1 imminent risk.</title>"
        '<g class="country watched level-imminent_risk">'
    ) in svg
    assert svg.count('class="map-link"') == 2
    assert svg.count('<g class="country">') == 250 - 2


def test_a_countrys_name_on_the_map_counts_its_situations_at_each_level():
    country = MapCountry(
        code="SD",
        name="Sudan",
        level="imminent_risk",
        count=40,
        levels=[
            MapLevel("imminent_risk", 3, 0),
            MapLevel("low", 30, 12),
            MapLevel("insufficient_data", 1, 1),
            MapLevel(None, 6, 0),
        ],
    )

    assert worldmap.country_title(country) == (
        "Sudan: imminent risk. 40 situations: 3 imminent risk; 30 low (12 unapproved); "
        "1 insufficient data (1 unapproved); 6 not assessed."
    )


def table_rows(response):
    """The map's table of countries: each row's header and cells as text, and its links."""
    page = response.content.decode()
    table = page[page.index('<table class="table table-sm align-middle country-table">') :]
    table = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        text = [
            " ".join(
                re.sub(r"<span class=\"visually-hidden\">[^<]*</span>|<[^>]+>", " ", c).split()
            )
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows.append((text, re.findall(r'href="([^"]+)"', row)))
    return rows


@pytest.mark.django_db
def test_map_table_counts_each_countrys_situations_by_level_and_links_to_them(
    client, reviewer, watched
):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:map"))

    rows = table_rows(response)
    situations = reverse("assessments:situations")
    # Columns: country, highest level, situations, then current crisis down to insufficient
    # data, and no assessment yet.
    assert [text for text, _links in rows] == [
        ["Myanmar", "imminent risk", "1", "0", "1", "0", "0", "0", "0"],
        ["Sudan", "current crisis", "3", "1", "0", "1 1 unapproved", "0", "0", "1"],
    ]
    assert rows[1][1] == [
        f"{situations}?country=SD",
        f"{situations}?country=SD",
        f"{situations}?level=current_crisis&amp;country=SD",
        f"{situations}?level=serious_concern&amp;country=SD",
        f"{situations}?level=none&amp;country=SD",
    ]
    page = response.content.decode()
    assert '<caption id="countries-caption">2 countries: ' in page
    assert '<span class="visually-hidden">Sudan, serious concern: </span>1</a>' in page


@pytest.mark.django_db
def test_every_situation_on_the_map_is_one_link_away(client, reviewer, watched):
    client.force_login(reviewer)

    rows = table_rows(client.get(reverse("assessments:map")))

    found = {}
    for _text, links in rows:
        for link in links[2:]:  # the counts of each level
            listed = client.get(link.replace("&amp;", "&"))
            for row in listed.context["rows"]:
                found[row.situation.name] = link
    assert sorted(found) == ["Blue Nile", "Kordofan", "North Darfur", "Rakhine"]
    assert "level=none" in found["Blue Nile"]
    assert "level=serious_concern" in found["Kordofan"]


@pytest.mark.django_db
def test_map_keeps_its_filters_in_its_links_to_the_situation_list(client, reviewer, watched):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:map"), {"q": "Kor", "status": "draft"})

    situations = reverse("assessments:situations")
    assert [(c.code, c.count) for c in response.context["countries"]] == [("SD", 1)]
    link = f"{situations}?q=Kor&amp;status=draft&amp;country=SD"
    assert f'<a href="{link}" tabindex="0" class="map-link" data-country="SD">' in svg_of(response)
    assert table_rows(response)[0][1][0] == link
    listed = client.get(link.replace("&amp;", "&"))
    assert [row.situation.name for row in listed.context["rows"]] == ["Kordofan"]


@pytest.mark.django_db
def test_the_map_asks_for_nothing_outside_the_server(client, reviewer, watched):
    client.force_login(reviewer)

    response = client.get(reverse("assessments:map"))

    svg = svg_of(response)
    assert set(re.findall(r"https?://[^\s\"'<>)]*", svg)) == {SVG_NAMESPACE}
    assert "<script" not in svg
    assert "<image" not in svg
    page = response.content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page


# Who sees what ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_analyst_sees_only_assigned_situations_on_the_heatmap_map_and_exports(
    client, analyst, watched
):
    client.force_login(analyst)

    heatmap = client.get(reverse("assessments:heatmap"))
    world = client.get(reverse("assessments:map"))
    csv_text = client.get(reverse("assessments:heatmap_csv")).content.decode()
    sheet = load_workbook(io.BytesIO(client.get(reverse("assessments:heatmap_xlsx")).content))
    filtered = client.get(reverse("assessments:heatmap"), {"country": "MM"})

    assert [row.situation.name for row in heatmap.context["rows"]] == [
        "Blue Nile",
        "Kordofan",
        "North Darfur",
    ]
    assert filtered.context["rows"] == []
    for body in (heatmap.content.decode(), world.content.decode(), csv_text):
        assert "Rakhine" not in body
        assert "rakhine" not in body
    codes = [row[0] for row in sheet.active.values]
    assert codes == ["Situation code", "nile", "kordofan", "darfur"]
    assert [c.code for c in world.context["countries"]] == ["SD"]
    svg = svg_of(world)
    assert 'data-country="MM"' not in svg
    assert "Myanmar" not in svg
    assert svg.count("level-") == 1


@pytest.mark.django_db
def test_a_signed_in_user_without_a_role_sees_an_empty_heatmap_and_map(client, outsider, watched):
    client.force_login(outsider)

    heatmap = client.get(reverse("assessments:heatmap"))
    world = client.get(reverse("assessments:map"))
    csv_rows = list(
        csv.reader(io.StringIO(client.get(reverse("assessments:heatmap_csv")).content.decode()))
    )

    assert heatmap.context["rows"] == []
    assert world.context["countries"] == []
    assert 'class="map-link"' not in world.content.decode()
    assert len(csv_rows) == 1


# The assessment page holds the anchors the heatmap links to -------------------------------


@pytest.mark.django_db
def test_the_assessment_page_anchors_the_indicators_of_each_rated_factor(client, analyst, watched):
    client.force_login(analyst)

    page = client.get(
        reverse("assessments:detail", kwargs={"pk": watched["approved"].pk})
    ).content.decode()

    assert '<tbody id="factor-7">' in page
    assert '<tbody id="factor-10">' in page
    assert 'id="factor-1"' not in page
    factor_7, factor_10 = page.index('id="factor-7"'), page.index('id="factor-10"')
    assert factor_7 < page.index("<strong>7.5</strong>", factor_7) < factor_10
    assert factor_10 < page.index("<strong>10.1</strong>", factor_10)


# Queries ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 200])
@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("assessments:heatmap", {}),
        ("assessments:heatmap", {"sort": "-RF7", "q": "situation", "country": "SD"}),
        ("assessments:heatmap_csv", {}),
        ("assessments:heatmap_xlsx", {}),
    ],
)
@pytest.mark.parametrize("cast", ["analyst", "reviewer"])
def test_heatmap_and_its_exports_run_a_fixed_number_of_queries(
    client,
    django_assert_max_num_queries,
    analyst,
    other_analyst,
    reviewer,
    request,
    count,
    name,
    params,
    cast,
):
    many_situations(count, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    client.force_login(request.getfixturevalue(cast))
    url = reverse(name)
    client.get(url, params)

    with django_assert_max_num_queries(HEATMAP_QUERIES):
        response = client.get(url, params)

    assert response.status_code == 200
    if name == "assessments:heatmap" and not params:
        assert len(response.context["rows"]) == min(count, PAGE_SIZE)  # one page rendered
        assert response.context["page"].paginator.count == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 200])
@pytest.mark.parametrize("cast", ["analyst", "reviewer"])
def test_map_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, analyst, other_analyst, reviewer, request, count, cast
):
    many_situations(count, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
    client.force_login(request.getfixturevalue(cast))
    url = reverse("assessments:map")
    client.get(url)

    with django_assert_max_num_queries(MAP_QUERIES):
        response = client.get(url)

    assert sum(c.count for c in response.context["countries"]) == count


HEATMAP_URLS = [
    ("assessments:heatmap", {"sort": "-RF7"}),
    ("assessments:heatmap", {"sort": "RF10", "country": "SD", "page": "2"}),
    ("assessments:heatmap_csv", {"sort": "-RF7"}),
    ("assessments:heatmap_xlsx", {"sort": "RF3"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("cast", ["analyst", "reviewer"])
def test_heatmap_by_a_factor_and_its_exports_run_as_many_queries_at_500_situations_as_at_10(
    client, analyst, other_analyst, reviewer, request, cast
):
    client.force_login(request.getfixturevalue(cast))
    counted: dict[int, list[int]] = {}
    for size in SIZES:
        grow_to(size, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
        for n, (name, params) in enumerate(HEATMAP_URLS):
            queries, response = queries_of(client, reverse(name), params)
            assert queries <= HEATMAP_QUERIES
            counted.setdefault(n, []).append(queries)
            if n == 0:
                assert len(response.context["rows"]) == min(size, PAGE_SIZE)  # one page read
                assert response.context["page"].paginator.count == size
            if name == "assessments:heatmap_csv":
                assert len(response.content.decode().splitlines()) == size + 1  # every row

    assert all(at_10 == at_500 for at_10, at_500 in counted.values())


@pytest.mark.django_db
@pytest.mark.parametrize("cast", ["analyst", "reviewer"])
def test_map_runs_as_many_queries_at_500_situations_as_at_10(
    client, analyst, other_analyst, reviewer, request, cast
):
    client.force_login(request.getfixturevalue(cast))
    counted = []
    for size in SIZES:
        grow_to(size, analyst=analyst, other_analyst=other_analyst, reviewer=reviewer)
        queries, response = queries_of(client, reverse("assessments:map"))
        assert queries <= MAP_QUERIES
        counted.append(queries)
        countries = response.context["countries"]
        assert sum(c.count for c in countries) == size
        assert sorted(c.code for c in countries) == ["CD", "ET", "MM", "SD", "SS"]
        # The page holds a row per country, never a line per situation.
        assert len(response.context["rows"]) == len(countries)

    assert counted[0] == counted[1]


# The order of the heatmap, sorted in the query ---------------------------------------------

SORT_SEVERITIES = (None, "absent", "low", "moderate", "high", "not_assessed")


@pytest.fixture
def sortable(analyst, reviewer):
    """130 situations with mixed-case names: every fifth without an assessment, the others
    with a draft whose factors' levels vary; every third of those also with an older approved
    assessment (the one the heatmap shows) whose levels differ."""
    situations = Situation.objects.bulk_create(
        Situation(
            code=f"sortable-{n}",
            name=f"{'ab'[n % 2]}{'Cc'[n % 3 % 2]} {n % 17:02d} {n:03d}",
            country=("SD", "MM")[n % 2],
            created_by=reviewer,
        )
        for n in range(130)
    )
    Situation.analysts.through.objects.bulk_create(
        Situation.analysts.through(situation_id=s.pk, user_id=analyst.pk) for s in situations
    )

    def levels(n, shift):
        return {
            str(f): level
            for f in range(1, 15)
            if (level := SORT_SEVERITIES[(n * 7 + f * 3 + shift) % 6]) is not None
        }

    made = []
    for n, s in enumerate(situations):
        if n % 5 == 0:
            continue
        made.append(
            Assessment(
                situation=s,
                author=analyst,
                as_of=date(2026, 5, 1),
                posture="unwilling",
                factor_levels=levels(n, 0),
            )
        )
        if n % 3 == 0:
            made.append(
                Assessment(
                    situation=s,
                    author=analyst,
                    as_of=date(2026, 3, 1),
                    posture="unwilling",
                    status="approved",
                    revision=1,
                    reviewer=reviewer,
                    factor_levels=levels(n, 2),
                )
            )
    Assessment.objects.bulk_create(made)
    derived.refresh_situation_summary([s.pk for s in situations])
    return situations


def expected_order(factor, descending):
    """The situations as the heatmap sorts them by ``factor``: by the severity of its level in
    the latest approved assessment, else the latest one (no assessment lowest), then by name
    ignoring case."""
    shown = {}
    for a in Assessment.objects.order_by("as_of"):
        if a.status == "approved" or a.situation_id not in shown or not shown[a.situation_id][0]:
            shown[a.situation_id] = (a.status == "approved", a.factor_levels)
    severities = ["not_assessed", "absent", "low", "moderate", "high"]

    def rank(situation):
        if situation.pk not in shown:
            return -1
        return severities.index(shown[situation.pk][1].get(str(factor)) or "not_assessed")

    by_name = sorted(Situation.objects.order_by("name", "pk"), key=lambda s: s.name.casefold())
    return [s.name for s in sorted(by_name, key=rank, reverse=descending)]


def every_page(client, params):
    names, page = [], 1
    while True:
        response = client.get(reverse("assessments:heatmap"), {**params, "page": str(page)})
        names += [row.situation.name for row in response.context["rows"]]
        if not response.context["page"].has_next():
            return names, response
        page += 1


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["RF1", "-RF1", "RF7", "-RF7", "-RF14"])
def test_heatmap_pages_follow_the_factor_sort_across_every_page(client, analyst, sortable, sort):
    client.force_login(analyst)

    names, last = every_page(client, {"sort": sort})
    exported = client.get(reverse("assessments:heatmap_csv"), {"sort": sort})

    expected = expected_order(int(sort.removeprefix("-")[2:]), sort.startswith("-"))
    assert names == expected
    assert [r[1] for r in csv.reader(io.StringIO(exported.content.decode()))][1:] == expected
    assert last.context["sort"] == sort


@pytest.mark.django_db
def test_heatmap_pages_follow_the_name_sort_ignoring_case(client, analyst, sortable):
    client.force_login(analyst)

    ascending, _ = every_page(client, {})
    descending, _ = every_page(client, {"sort": "-name"})

    by_name = sorted(Situation.objects.order_by("name", "pk"), key=lambda s: s.name.casefold())
    assert ascending == [s.name for s in by_name]
    assert descending == [
        s.name for s in sorted(by_name, key=lambda s: s.name.casefold(), reverse=True)
    ]
