"""The reference data in every language: translations loaded from the data file, read in the
reader's language with English as the marked fallback, edited per language in the admin, and
shown without costing a query."""

import copy
import importlib.util
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from framework import i18n
from framework.dataset import TRANSLATED_KINDS, DatasetError, validate_dataset
from framework.models import Crime, Indicator, PolicyTool, RiskFactor
from tests.assessments.builders import (
    CRISIS,
    build_assessment,
    build_crisis,
    build_situation,
    summary_of,
)
from tests.framework.test_loading import BUNDLED, snapshot, write

FR_TITLE = "Situations de conflit armé ou autres formes d'instabilité"
FR_LABEL = "Conflit armé international ou non international."
ROOT = Path(__file__).resolve().parents[2]


def without_translations() -> dict:
    """The bundled file with no translation at all."""
    data = copy.deepcopy(BUNDLED)
    for kind in ("crimes", "risk_levels", "reports", "pillars", "tools", "pillar_tools"):
        for item in data[kind]:
            item.pop("translations", None)
    for factor in data["risk_factors"]:
        factor.pop("translations", None)
        for indicator in factor["indicators"]:
            indicator.pop("translations", None)
    return data


def with_translations() -> dict:
    """The bundled file with a French (official) and an Arabic (working) title for RF1, a
    French label for 1.1 and a French name for genocide."""
    data = without_translations()
    data["risk_factors"][0]["translations"] = {
        "fr": {"status": "official", "title": FR_TITLE},
        "ar": {"status": "working", "title": "حالات النزاع المسلح"},
    }
    data["risk_factors"][0]["indicators"][0]["translations"] = {
        "fr": {"status": "working", "label": FR_LABEL}
    }
    data["crimes"][0]["translations"] = {"fr": {"status": "official", "name": "Génocide"}}
    return data


def load(path: Path | str) -> str:
    """Run load_framework on ``path``; what it printed."""
    out = io.StringIO()
    call_command("load_framework", str(path), stdout=out)
    return out.getvalue()


def problems_of(data: dict) -> list[str]:
    with pytest.raises(DatasetError) as refused:
        validate_dataset(data, "framework.json")
    return refused.value.problems


@pytest.fixture(autouse=True)
def english_after_each_test():
    """A request leaves its language active in the test's thread: back to English after."""
    yield
    translation.activate("en")


# Loading ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_framework_upserts_the_translations_of_the_file(tmp_path):
    path = write(tmp_path, with_translations())

    load(path)

    factor = RiskFactor.objects.get(code="RF1")
    assert factor.translations["fr"] == {"status": "official", "title": FR_TITLE}
    assert factor.translations["ar"]["status"] == "working"
    assert Indicator.objects.get(code="1.1").translations == {
        "fr": {"status": "working", "label": FR_LABEL}
    }
    assert Crime.objects.get(code="genocide").translations["fr"]["name"] == "Génocide"
    assert factor.history.latest().translations == factor.translations


@pytest.mark.django_db
def test_loading_the_same_translations_again_changes_nothing(tmp_path):
    path = write(tmp_path, with_translations())
    load(path)
    history_rows = RiskFactor.history.count()

    printed = load(path)

    assert "risk factors: 0 created, 0 updated, 14 unchanged" in printed
    assert "indicators: 0 created, 0 updated, 126 unchanged" in printed
    assert RiskFactor.history.count() == history_rows


@pytest.mark.django_db
def test_a_file_without_translations_takes_them_away_as_it_does_any_field(tmp_path):
    load(write(tmp_path, with_translations()))

    load(write(tmp_path, without_translations(), "plain.json"))

    assert RiskFactor.objects.get(code="RF1").translations == {}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["risk_factors"][0].update(translations={"de": {"status": "working"}}),
            "risk_factors[0].translations.de: unknown language 'de' (one of ar, zh-hans, fr, "
            "ru, es)",
        ),
        (
            lambda d: d["crimes"][1].update(
                translations={"en": {"status": "working", "name": "x"}}
            ),
            "crimes[1].translations.en: English is the object's own text, not a translation",
        ),
        (
            lambda d: d["reports"][2].update(translations={"fr": {"title": "Rapport"}}),
            "reports[2].translations.fr: missing field 'status'",
        ),
        (
            lambda d: d["pillars"][0].update(
                translations={"fr": {"status": "draft", "title": "Pilier I"}}
            ),
            "pillars[0].translations.fr.status: 'draft' is not one of ('official', 'working')",
        ),
        (
            lambda d: d["reports"][0].update(
                translations={"ru": {"status": "working", "symbol": "A/63/677"}}
            ),
            "reports[0].translations.ru: unknown field 'symbol' (translatable: title)",
        ),
        (
            lambda d: d["risk_factors"][3]["indicators"][1].update(
                translations={"es": {"status": "working", "label": "  "}}
            ),
            "risk_factors[3].indicators[1].translations.es.label: must not be empty",
        ),
        (
            lambda d: d["crimes"][0].update(
                translations={"zh-hans": {"status": "official", "name": "种" * 101}}
            ),
            "crimes[0].translations.zh-hans.name: 101 characters, more than the 100 allowed",
        ),
        (
            lambda d: d["tools"][0].update(translations={"ar": {"status": "working"}}),
            "tools[0].translations.ar: no translated text (give one of name)",
        ),
        (
            lambda d: d["pillar_tools"][0].update(
                translations={"fr": {"status": "working", "description": 3}}
            ),
            "pillar_tools[0].translations.fr.description: wrong type int",
        ),
    ],
)
def test_a_malformed_translation_is_refused_with_its_place(change, expected):
    data = copy.deepcopy(BUNDLED)
    change(data)

    assert expected in problems_of(data)


@pytest.mark.django_db
def test_a_file_with_a_bad_translation_is_refused_and_the_database_is_left_as_it_was(tmp_path):
    data = with_translations()
    data["risk_factors"][0]["translations"]["fr"]["title"] = "x" * 301
    data["risk_factors"][0]["indicators"][0]["translations"]["xx"] = {"status": "working"}
    path = write(tmp_path, data)
    before = snapshot()
    translations_before = RiskFactor.objects.get(code="RF1").translations

    with pytest.raises(CommandError) as refused:
        call_command("load_framework", str(path))

    message = str(refused.value)
    assert f"{path}: risk_factors[0].translations.fr.title: 301 characters" in message
    assert f"{path}: risk_factors[0].indicators[0].translations.xx: unknown language" in message
    assert snapshot() == before
    assert RiskFactor.objects.get(code="RF1").translations == translations_before


def test_the_bundled_file_says_its_format_version_and_its_translations_are_valid():
    assert BUNDLED["meta"]["format_version"] == "1.1"
    validate_dataset(copy.deepcopy(BUNDLED), "bundled")


# Reading ------------------------------------------------------------------------------------


def factor_with_translations() -> RiskFactor:
    return RiskFactor(
        number=1,
        title="Situations of armed conflict or other forms of instability",
        summary="Conflict and instability.",
        translations={
            "fr": {"status": "official", "title": FR_TITLE},
            "ar": {"status": "working", "title": "حالات النزاع المسلح", "summary": "النزاع"},
        },
    )


def test_english_reads_the_objects_own_field_whatever_its_translations():
    factor = factor_with_translations()

    text = i18n.localized(factor, "title", "en")

    assert text == "Situations of armed conflict or other forms of instability"
    assert (text.language, text.status, text.fallback) == ("en", i18n.SOURCE, False)


def test_a_language_with_a_translation_reads_it_with_its_status():
    factor = factor_with_translations()

    french = i18n.localized(factor, "title", "fr")
    arabic = i18n.localized(factor, "summary", "ar")

    assert french == FR_TITLE
    assert (french.language, french.official, french.fallback) == ("fr", True, False)
    assert arabic == "النزاع"
    assert (arabic.language, arabic.working, arabic.official) == ("ar", True, False)


def test_a_language_without_a_text_for_the_field_falls_back_to_english_marked():
    factor = factor_with_translations()

    summary = i18n.localized(factor, "summary", "fr")
    title = i18n.localized(factor, "title", "ru")

    assert summary == "Conflict and instability."
    assert (summary.language, summary.fallback) == ("en", True)
    assert title == factor.title
    assert title.fallback


def test_the_active_language_is_read_when_none_is_given():
    factor = factor_with_translations()

    with translation.override("fr"):
        assert i18n.localized(factor, "title") == FR_TITLE
    with translation.override("en"):
        assert i18n.localized(factor, "title") == factor.title


def test_an_empty_english_text_is_no_fallback_and_gets_no_mark():
    factor = RiskFactor(number=1, title="T", summary="")

    text = i18n.localized(factor, "summary", "fr")

    assert text == ""
    assert not text.fallback
    assert i18n.marked(text) == ""


def test_the_marks_say_what_a_text_is_in_html_and_nothing_in_plain_text():
    factor = factor_with_translations()
    with translation.override("fr"):
        fallback = i18n.localized(factor, "summary")
        official = i18n.localized(factor, "title")
    with translation.override("ar"):
        working = i18n.localized(factor, "title")

    assert str(i18n.marked(fallback)) == (
        '<span class="ref-text ref-fallback"><span lang="en" dir="ltr">Conflict and '
        'instability.</span> <span class="ref-badge" aria-hidden="true">EN</span>'
        '<span class="visually-hidden"> (not yet translated: English shown)</span></span>'
    )
    assert 'class="ref-text ref-working"' in i18n.marked(working)
    assert '<sup class="ref-mark" aria-hidden="true">†</sup>' in i18n.marked(working)
    assert i18n.marked(official) == "Situations de conflit armé ou autres formes d&#x27;instabilité"
    assert str(fallback) == "Conflict and instability." and "<" not in str(working)


def test_a_text_from_the_user_is_escaped_inside_its_marks():
    tool = PolicyTool(name="<b>Sanctions</b>", translations={"fr": {"status": "working"}})

    with translation.override("fr"):
        html = i18n.marked(i18n.localized(tool, "name"))

    assert "&lt;b&gt;Sanctions&lt;/b&gt;" in html
    assert "<b>" not in html


# The pages ----------------------------------------------------------------------------------


@pytest.fixture
def untranslated(db):
    """No reference object has a translation (whatever the bundled file gives)."""
    for model in TRANSLATED_KINDS.values():
        model.objects.update(translations={})


@pytest.fixture
def translated(untranslated):
    """RF1 in official French, RF2 in the office's working French, RF3 not in French; the
    first indicator of RF1 in working French."""
    RiskFactor.objects.filter(code="RF1").update(
        translations={"fr": {"status": "official", "title": FR_TITLE}}
    )
    RiskFactor.objects.filter(code="RF2").update(
        translations={"fr": {"status": "working", "title": "Violations graves des droits"}}
    )
    Indicator.objects.filter(code="1.1").update(
        translations={"fr": {"status": "working", "label": FR_LABEL}}
    )


@pytest.mark.django_db
def test_the_factors_page_in_french_shows_french_titles_and_marks_the_rest(
    client, analyst, translated
):
    client.force_login(analyst)

    response = client.get(reverse("framework:factors"), headers={"accept-language": "fr"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Situations de conflit armé ou autres formes d&#x27;instabilité" in page
    rf3 = RiskFactor.objects.get(code="RF3")
    assert (
        f'<span class="ref-text ref-fallback"><span lang="en" dir="ltr">{rf3.title}</span>' in page
    )
    assert '<span class="ref-badge" aria-hidden="true">EN</span>' in page
    assert 'Violations graves des droits<sup class="ref-mark" aria-hidden="true">†</sup>' in page
    assert f"{FR_LABEL}<sup" in page
    assert 'id="ref-legend-title"' in page


@pytest.mark.django_db
def test_the_overview_in_french_explains_the_marks_and_english_shows_none(
    client, analyst, untranslated
):
    client.force_login(analyst)

    french = client.get(reverse("framework:overview"), headers={"accept-language": "fr"})
    english = client.get(reverse("framework:overview"), headers={"accept-language": "en"})

    assert 'aria-labelledby="ref-legend-title"' in french.content.decode()
    assert "ref-badge" in french.content.decode()  # nothing is translated: English shown
    assert "ref-legend" not in english.content.decode()
    assert "ref-badge" not in english.content.decode()
    assert "ref-mark" not in english.content.decode()


@pytest.mark.django_db
def test_the_rating_form_in_french_shows_the_french_titles_and_labels(
    client, analyst, reviewer, translated
):
    situation = build_situation(by=reviewer, analysts=[analyst])
    draft = build_assessment(situation, by=analyst)
    client.force_login(analyst)

    response = client.get(
        reverse("assessments:edit", kwargs={"pk": draft.pk}), headers={"accept-language": "fr"}
    )

    page = response.content.decode()
    assert "Situations de conflit armé" in page
    assert f"{FR_LABEL}<sup" in page
    rf3 = RiskFactor.objects.get(code="RF3")
    assert f'<span class="factor-link-title" lang="en" dir="ltr">{rf3.title.split()[0]}' in page


@pytest.mark.django_db
def test_the_summary_in_french_shows_the_translations_and_keeps_its_content(
    client, analyst, reviewer, translated
):
    Crime.objects.filter(code="genocide").update(
        translations={"fr": {"status": "official", "name": "Génocide"}}
    )
    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_crisis(situation, by=analyst, status="in_review")
    summary = summary_of(assessment)
    stored = copy.deepcopy(summary.content)
    client.force_login(reviewer)

    response = client.get(
        reverse("assessments:detail", kwargs={"pk": assessment.pk}),
        headers={"accept-language": "fr"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<strong>1.1</strong> <span class="ref-text ref-working">{FR_LABEL}<sup' in page
    assert ">Génocide</th>" in page
    summary.refresh_from_db()
    assert summary.content == stored
    assert any(driver["title"] for driver in summary.content["drivers"])
    assert "Situations de conflit armé" not in json.dumps(summary.content)


@pytest.mark.django_db
def test_the_summary_json_in_french_has_its_words_without_marks(
    client, analyst, reviewer, untranslated
):
    situation = build_situation(by=reviewer, analysts=[analyst])
    assessment = build_assessment(situation, by=analyst, ratings=CRISIS, status="in_review")
    client.force_login(reviewer)

    response = client.get(
        reverse("assessments:summary_json", kwargs={"pk": assessment.pk}),
        headers={"accept-language": "fr"},
    )

    assert response.status_code == 200
    assert "ref-" not in response.content.decode()
    assert "<span" not in response.content.decode()


def queries_of(client, url: str, language: str) -> int:
    client.get(url, headers={"accept-language": language})  # the session warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "framework:overview",
        "framework:pillars",
        "framework:factors",
        "framework:matrix",
        "framework:reports",
        "framework:crimes",
    ],
)
def test_a_framework_page_in_french_runs_the_queries_it_runs_in_english(
    client, analyst, translated, name
):
    client.force_login(analyst)
    url = reverse(name)

    assert queries_of(client, url, "fr") == queries_of(client, url, "en")


@pytest.mark.django_db
def test_the_rating_form_in_french_runs_the_queries_it_runs_in_english(
    client, analyst, reviewer, translated
):
    situation = build_situation(by=reviewer, analysts=[analyst])
    draft = build_assessment(situation, by=analyst, ratings=CRISIS)
    client.force_login(analyst)
    url = reverse("assessments:edit", kwargs={"pk": draft.pk})

    assert queries_of(client, url, "fr") == queries_of(client, url, "en")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["assessments:heatmap", "home"])
def test_the_watch_pages_in_french_run_the_queries_they_run_in_english(
    client, analyst, reviewer, translated, name
):
    situation = build_situation(by=reviewer, analysts=[analyst])
    build_assessment(situation, by=analyst, ratings=CRISIS, status="approved", reviewer=reviewer)
    client.force_login(analyst)
    url = reverse(name)

    assert queries_of(client, url, "fr") == queries_of(client, url, "en")


# The admin ----------------------------------------------------------------------------------


def admin_form(indicator: Indicator, **changes: str) -> dict[str, str]:
    data = {
        "factor": str(indicator.factor_id),
        "code": indicator.code,
        "label": indicator.label,
        "order": str(indicator.order),
        "source_confidence": indicator.source_confidence,
        "is_active": "on",
    }
    for language in i18n.translation_languages():
        key = language.replace("-", "_")
        data[f"tr_{key}_status"] = "working"
        data[f"tr_{key}_label"] = ""
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_admin_change_form_has_a_fieldset_per_language(client, admin, untranslated):
    client.force_login(admin)
    factor = RiskFactor.objects.get(code="RF1")

    response = client.get(reverse("admin:framework_riskfactor_change", args=[factor.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    for name in ("Français", "العربية", "中文", "Русский", "Español"):
        assert name in page
    assert "Title — Français" in page
    assert "Verification note — Español" in page
    assert 'name="tr_zh_hans_summary"' in page
    assert 'name="translations"' not in page


@pytest.mark.django_db
def test_framework_admin_translates_a_label_into_french_and_the_change_is_in_the_history(
    client, admin, untranslated
):
    client.force_login(admin)
    indicator = Indicator.objects.get(code="1.1")
    url = reverse("admin:framework_indicator_change", args=[indicator.pk])

    response = client.post(
        url, admin_form(indicator, tr_fr_label=f"  {FR_LABEL} ", tr_fr_status="official")
    )

    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.translations == {"fr": {"status": "official", "label": FR_LABEL}}
    latest = indicator.history.latest()
    assert latest.history_user == admin
    assert latest.translations == indicator.translations
    assert latest.prev_record.translations != indicator.translations


@pytest.mark.django_db
def test_emptying_a_language_in_the_admin_removes_it(client, admin, untranslated):
    indicator = Indicator.objects.get(code="1.1")
    indicator.translations = {
        "fr": {"status": "working", "label": FR_LABEL},
        "es": {"status": "working", "label": "Conflicto armado."},
    }
    indicator.save()
    client.force_login(admin)
    url = reverse("admin:framework_indicator_change", args=[indicator.pk])

    form = client.get(url).content.decode()
    response = client.post(url, admin_form(indicator, tr_es_label="Conflicto armado."))

    assert FR_LABEL in form
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.translations == {"es": {"status": "working", "label": "Conflicto armado."}}


@pytest.mark.django_db
def test_the_admin_refuses_a_translation_longer_than_its_field(client, admin, untranslated):
    crime = Crime.objects.get(code="genocide")
    client.force_login(admin)
    data = {
        "code": crime.code,
        "name": crime.name,
        "legally_defined": "on",
        "legal_basis": crime.legal_basis,
        "summary": crime.summary,
        "order": str(crime.order),
        "is_active": "on",
        "tr_fr_status": "working",
        "tr_fr_name": "G" * 101,
    }

    response = client.post(reverse("admin:framework_crime_change", args=[crime.pk]), data)

    assert response.status_code == 200
    crime.refresh_from_db()
    assert crime.translations == {}


# The merge script ---------------------------------------------------------------------------


def merge_script():
    spec = importlib.util.spec_from_file_location(
        "merge_reference_translations", ROOT / "scripts" / "merge_reference_translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_merge_script_writes_a_language_into_the_objects_of_the_reference_file():
    reference = without_translations()
    texts = {
        "crimes": {"genocide": {"name": "Génocide", "summary": ""}},
        "risk_factors": {"RF1": {"title": FR_TITLE}},
        "indicators": {"1.1": {"label": FR_LABEL}},
        "pillar_tools": {},
    }

    merged, problems = merge_script().merge(reference, texts, language="fr", status="working")

    assert (merged, problems) == (3, [])
    assert reference["crimes"][0]["translations"] == {
        "fr": {"status": "working", "name": "Génocide"}
    }
    assert reference["risk_factors"][0]["indicators"][0]["translations"]["fr"]["label"] == FR_LABEL
    validate_dataset(reference, "merged")


def test_the_merge_script_keeps_other_languages_and_replaces_its_own():
    reference = without_translations()
    reference["risk_factors"][0]["translations"] = {
        "fr": {"status": "official", "title": "Ancien", "summary": "Ancien résumé"},
        "ar": {"status": "working", "title": "حالات"},
    }

    merge_script().merge(
        reference, {"risk_factors": {"RF1": {"title": FR_TITLE}}}, language="fr", status="working"
    )

    assert reference["risk_factors"][0]["translations"] == {
        "ar": {"status": "working", "title": "حالات"},
        "fr": {"status": "working", "title": FR_TITLE},
    }


def test_the_merge_script_refuses_unknown_codes_fields_and_languages():
    reference = copy.deepcopy(BUNDLED)
    script = merge_script()

    _merged, problems = script.merge(
        reference,
        {"risk_factors": {"RF99": {"title": "x"}, "RF1": {"code": "x"}}, "mappings": {}},
        language="fr",
        status="working",
    )
    _none, language_problems = script.merge(reference, {}, language="de", status="working")

    assert "risk_factors.RF99: no such code in the reference file" in problems
    assert (
        "risk_factors.RF1.code: not a translatable field (one of title, summary, verification)"
        in problems
    )
    assert any(problem.startswith("mappings: unknown kind") for problem in problems)
    assert language_problems[0].startswith("unknown language 'de'")


def test_the_merge_script_writes_the_file_as_it_was_formatted(tmp_path, capsys):
    reference = tmp_path / "r2p_framework.json"
    reference.write_text(json.dumps(BUNDLED, indent=1, ensure_ascii=False), encoding="utf-8")
    texts = write(tmp_path, {"reports": {"SG-2009": {"title": "Mettre en œuvre la R2P"}}})

    code = merge_script().main(
        [str(texts), "--language", "fr", "--status", "working", "--reference", str(reference)]
    )

    assert code == 0
    written = reference.read_text(encoding="utf-8")
    assert "Mettre en œuvre la R2P" in written
    assert written == json.dumps(json.loads(written), indent=1, ensure_ascii=False)
