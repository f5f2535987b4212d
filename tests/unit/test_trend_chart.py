import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from app.domain.support_metrics import DailyPoint
from app.domain.trend_chart import AXIS_COLOUR, SERIES, TEXT_COLOUR, render_trend_svg

SVG = "{http://www.w3.org/2000/svg}"
LABELS = {
    "title": "Daily trend",
    "asked": "Asked",
    "resolved": "Resolved",
    "escalated": "Escalated",
    "no_data": "No questions in this period",
}


def week(days=7):
    first = date(2026, 3, 2)
    return [DailyPoint(first + timedelta(days=i), asked=i + 2, resolved=i, escalated=i % 3) for i in range(days)]


def parse(svg):
    return ET.fromstring(svg)


def texts(root):
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def test_chart_is_an_accessible_image_with_title_and_description():
    root = parse(render_trend_svg(week(), LABELS))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Daily trend"
    title, desc = list(root)[:2]
    assert (title.tag, title.text) == (f"{SVG}title", "Daily trend")
    # Totals over the week: asked 2+3+...+8 = 35, resolved 0+...+6 = 21, escalated 0,1,2,0,1,2,0 = 6.
    assert desc.tag == f"{SVG}desc"
    assert desc.text == "2026-03-02 – 2026-03-08. Asked: 35. Resolved: 21. Escalated: 6."


def test_legend_uses_the_translated_labels():
    labels = {**LABELS, "asked": "Gefragt", "resolved": "Gelöst", "escalated": "Eskaliert"}

    shown = texts(parse(render_trend_svg(week(), labels)))

    assert {"Gefragt", "Gelöst", "Eskaliert"} <= set(shown)


def test_labels_are_xml_escaped():
    svg = render_trend_svg(week(2), {**LABELS, "asked": "Asked <&>", "title": 'Trend "<script>"'})

    assert "<script>" not in svg
    assert "Asked &lt;&amp;&gt;" in svg
    root = parse(svg)
    assert "Asked <&>" in texts(root)
    assert root.get("aria-label") == 'Trend "<script>"'


@pytest.mark.parametrize("days", [1, 7, 31])
def test_one_marker_per_day_in_each_series(days):
    root = parse(render_trend_svg(week(days), LABELS))

    groups = [g for g in root.iter(f"{SVG}g") if "series" in g.get("class", "").split()]
    assert [g.get("class") for g in groups] == [
        "series series-asked",
        "series series-resolved",
        "series series-escalated",
    ]
    for group in groups:
        assert len(group.findall(f"{SVG}path")) == days
        assert len(group.find(f"{SVG}polyline").get("points").split()) == days


def test_each_marker_names_its_day_and_value():
    root = parse(render_trend_svg(week(2), LABELS))

    tooltips = [t.text for t in root.iter(f"{SVG}title")][1:]
    assert tooltips == [
        "2026-03-02: Asked 2",
        "2026-03-03: Asked 3",
        "2026-03-02: Resolved 0",
        "2026-03-03: Resolved 1",
        "2026-03-02: Escalated 0",
        "2026-03-03: Escalated 1",
    ]


def test_value_axis_has_round_ticks_covering_the_peak():
    # Peak is 8 asked on the last day: a step of 2 up to 8.
    shown = texts(parse(render_trend_svg(week(), LABELS)))

    assert [t for t in shown if t.isdigit()] == ["0", "2", "4", "6", "8"]


def test_date_axis_labels_at_most_six_days():
    shown = texts(parse(render_trend_svg(week(31), LABELS)))

    dates = [t for t in shown if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t)]
    # 31 days with a stride of ceil(31 / 6) = 6: days 0, 6, 12, 18, 24, 30.
    assert dates == ["2026-03-02", "2026-03-08", "2026-03-14", "2026-03-20", "2026-03-26", "2026-04-01"]


def test_empty_series_renders_a_no_data_chart():
    root = parse(render_trend_svg([], LABELS))

    assert root.find(f"{SVG}desc").text == "No questions in this period"
    assert "No questions in this period" in texts(root)
    assert list(root.iter(f"{SVG}polyline")) == []


def test_size_is_honoured():
    root = parse(render_trend_svg(week(), LABELS, width=400, height=150))

    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("400", "150", "0 0 400 150")


def test_missing_label_is_refused():
    with pytest.raises(ValueError, match="no_data"):
        render_trend_svg(week(), {key: value for key, value in LABELS.items() if key != "no_data"})


def test_no_script_in_the_chart():
    svg = render_trend_svg(week(), LABELS)

    assert not [element for element in parse(svg).iter() if element.tag in (f"{SVG}script", f"{SVG}foreignObject")]
    assert not re.search(r"\son\w+=", svg)


def _relative_luminance(colour):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@pytest.mark.parametrize("colour", [TEXT_COLOUR, AXIS_COLOUR, *(series[1] for series in SERIES)])
def test_colours_have_at_least_4_5_to_1_contrast_on_white(colour):
    # WCAG 2 contrast ratio against the white background (luminance 1).
    assert 1.05 / (_relative_luminance(colour) + 0.05) >= 4.5


def test_series_colours_are_the_ones_drawn():
    root = parse(render_trend_svg(week(), LABELS))

    drawn = [polyline.get("stroke") for polyline in root.iter(f"{SVG}polyline")]
    assert drawn == [series[1] for series in SERIES]
