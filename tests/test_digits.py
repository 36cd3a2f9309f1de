"""Arabic-Indic digits on Arabic pages when the office chooses them (ARABIC_DIGITS): the
text's digits change, codes, symbols, attributes, scripts and left-to-right parts do not."""

# ruff: noqa: RUF001  # Arabic-Indic digits, which look like Latin letters, are the subject

import pytest
from django.urls import reverse

from r2p_project.digits import arabic_indic


def test_the_text_s_digits_change_and_codes_symbols_and_attributes_do_not():
    html = (
        '<p title="3 items">مستوى 3 في 2026-05-01؛ RF10 و A/70/741-S/2016/71 و 7.5</p>'
        '<a href="/situations/12/">12</a><code>42</code><script>var a = 1;</script>'
        '<div dir="ltr">2026 <span>7</span></div><p>9</p><br><input value="5">'
    )

    assert arabic_indic(html) == (
        '<p title="3 items">مستوى ٣ في ٢٠٢٦-٠٥-٠١؛ RF10 و A/70/741-S/2016/71 و ٧.٥</p>'
        '<a href="/situations/12/">١٢</a><code>42</code><script>var a = 1;</script>'
        '<div dir="ltr">2026 <span>7</span></div><p>٩</p><br><input value="5">'
    )


@pytest.mark.django_db
def test_an_arabic_page_keeps_latin_digits_unless_the_office_chooses_otherwise(
    client, settings, analyst
):
    client.force_login(analyst)
    url = reverse("assessments:situations")

    latin = client.get(url, headers={"accept-language": "ar"})
    settings.ARABIC_DIGITS = "arabic-indic"
    indic = client.get(url, headers={"accept-language": "ar"})
    french = client.get(url, headers={"accept-language": "fr"})

    assert "٠" not in latin.content.decode() and "<title>" in latin.content.decode()
    assert any(digit in indic.content.decode() for digit in "٠١٢٣٤٥٦٧٨٩")
    assert not any(digit in french.content.decode() for digit in "٠١٢٣٤٥٦٧٨٩")
    assert int(indic["Content-Length"]) == len(indic.content)
