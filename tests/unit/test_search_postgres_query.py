"""From a search box text to the parts of a PostgreSQL full-text search (no database needed)."""
import pytest

from app.search.postgres_backend import _edit_distance, snippet_html
from app.search.postgres_query import parse


@pytest.mark.parametrize("typed, text", [
    ("printer NOT offline", "printer -offline"),
    ("printer AND jams", "printer jams"),
    ('"paper jam" or scanner', '"paper jam" or scanner'),
    ("the printer of the office", "printer office"),
    ("die Rechnung für März", "Rechnung März"),
])
def test_whoosh_operators_and_stop_words_become_web_search_syntax(typed, text):
    assert parse(typed).text == text


def test_fields_become_filters_and_title_words():
    parsed = parse('tag:P200 tags:"laser" status:resolved category:Billing title:offline toner')

    assert (parsed.text, parsed.tags, parsed.statuses, parsed.categories, parsed.title_words) == (
        "toner", ("p200", "laser"), ("resolved",), ("billing",), ("offline",))


@pytest.mark.parametrize("typed, any_words", [
    ("printer jams badly", "printer or jams or badly"),
    ("printer", None),
    ('"printer jams"', None),
    ("printer -jams", None),
    ("printer or jams", None),
])
def test_only_plain_sentences_fall_back_to_any_word(typed, any_words):
    assert parse(typed).any_words == any_words


@pytest.mark.parametrize("typed, has_terms, only_stop_words", [
    ("", False, False), ("tag:printer", False, False), ("the and der", False, True), ("OR", False, True),
    ("title:toner", True, False), ("toner", True, False),
])
def test_what_a_text_searches_for(typed, has_terms, only_stop_words):
    parsed = parse(typed)
    assert (parsed.has_terms, parsed.only_stop_words) == (has_terms, only_stop_words)


@pytest.mark.parametrize("a, b, distance", [
    ("pritner", "printer", 1), ("ofline", "offline", 1), ("printer", "pointer", 1), ("pritner", "pointer", 2), ("abc", "abc", 0),
    ("bluetoth", "bluetooth", 1), ("kitten", "sitting", 3),
])
def test_edit_distance_counts_a_swap_as_one_edit(a, b, distance):
    assert _edit_distance(a, b) == distance


def test_snippet_escapes_everything_but_the_marks_and_merges_nested_ones():
    marked = 'My \ue000printer\ue001 <script>alert("x")</script> & \ue000\ue000Drucker\ue001\ue001'

    assert snippet_html(marked) == (
        "My <mark>printer</mark> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>Drucker</mark>")


def test_snippet_keeps_two_passages_around_the_first_marks():
    marked = "\ue000printer\ue001 " + "filler " * 60 + "\ue000printer\ue001 again " + "more " * 60 + \
             "\ue000printer\ue001 third"

    passages = snippet_html(marked).split(" … ")

    assert len(passages) == 2 and all(len(p.replace("<mark>", "").replace("</mark>", "")) <= 200
                                      for p in passages)
    assert passages[0].startswith("<mark>printer</mark> filler") and "third" not in passages[1]


def test_snippet_without_marks_is_the_escaped_start():
    assert snippet_html("<i>nothing</i> " + "word " * 100).startswith("&lt;i&gt;nothing&lt;/i&gt; word")
