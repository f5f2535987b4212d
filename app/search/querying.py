"""From what a user typed to a Whoosh query that cannot fail.

Users may write Whoosh syntax (phrases, AND/OR/NOT, ``tag:printer``), and they
will also paste stack traces, half-closed quotes and megabytes of logs. So the
text is cleaned and cut first, parsed with the full syntax, and if parsing or
running that query goes wrong anyway, searched again as plain words.

Without operators, words are OR-ed, documents matching more of them first:
customers describe problems in sentences, and requiring every word of a sentence
finds nothing. Wildcards are off: they bypass stemming and folding, and a short
prefix expands to most of the vocabulary.
"""

import re
import unicodedata
from datetime import date, datetime, time, timezone

from whoosh import query as q
from whoosh.qparser import (
    CopyFieldPlugin,
    FieldAliasPlugin,
    MultifieldParser,
    OrGroup,
    WildcardPlugin,
)

from .backend import SearchQuery
from .schema import FIELD_BOOSTS, GERMAN_COPY, SCHEMA, SEARCHED_FIELDS, naive_utc

MAX_QUERY_CHARS = 500
# A question being typed is compared with what other askers wrote, not answers.
SIMILAR_FIELDS = ("title", "question")
# A document matching more of the words scores higher (Whoosh's coordination bonus).
_ANY_WORD = OrGroup.factory(0.9)
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_WORDS = re.compile(r"\w+")


def _syntax_parser():
    parser = MultifieldParser(SEARCHED_FIELDS, SCHEMA, fieldboosts=FIELD_BOOSTS, group=_ANY_WORD)
    parser.remove_plugin_class(WildcardPlugin)
    parser.add_plugin(FieldAliasPlugin({"tags": ["tag"]}))
    parser.add_plugin(CopyFieldPlugin(dict(GERMAN_COPY)))
    return parser


def _words_parser():
    return MultifieldParser(
        SEARCHED_FIELDS, SCHEMA, fieldboosts=FIELD_BOOSTS, group=_ANY_WORD, plugins=[]
    )


def _similar_parser():
    fields = [name for name in SEARCHED_FIELDS if name.startswith(SIMILAR_FIELDS)]
    return MultifieldParser(
        fields, SCHEMA, fieldboosts=FIELD_BOOSTS, group=_ANY_WORD, plugins=[]
    )


_SYNTAX_PARSER = _syntax_parser()
_WORDS_PARSER = _words_parser()
_SIMILAR_PARSER = _similar_parser()


def clean_text(text: str) -> str:
    """``text`` without control, format or unassigned characters, cut to a sane length."""
    printable = "".join(
        " " if unicodedata.category(char) in _UNPRINTABLE else char for char in text or ""
    )
    cleaned = " ".join(printable.split())
    if len(cleaned) <= MAX_QUERY_CHARS:
        return cleaned
    return cleaned[:MAX_QUERY_CHARS + 1].rsplit(" ", 1)[0][:MAX_QUERY_CHARS]


def parse_syntax(text: str) -> q.Query:
    """``text`` in Whoosh query syntax; may raise on input Whoosh cannot handle."""
    return _SYNTAX_PARSER.parse(text)


def parse_words(text: str) -> q.Query:
    """Any of the words in ``text``, every character of syntax ignored."""
    return _WORDS_PARSER.parse(" ".join(_WORDS.findall(text)))


def parse_similar(title: str) -> q.Query:
    """Any word of a question title being typed, in other titles and questions."""
    return _SIMILAR_PARSER.parse(" ".join(_WORDS.findall(title)))


def filter_query(search: SearchQuery) -> q.Query | None:
    """The restrictions of ``search`` that do not affect ranking, or None."""
    terms = []
    if search.category:
        terms.append(q.Term("category", search.category.lower()))
    if search.tag:
        terms.append(q.Term("tags", search.tag.lower()))
    if search.status:
        terms.append(q.Term("status", search.status))
    if search.date_from or search.date_to:
        start = _as_utc(search.date_from, time.min) if search.date_from else None
        end = _as_utc(search.date_to, time.max) if search.date_to else None
        terms.append(q.DateRange("created_at", start, end))
    return q.And(terms) if terms else None


def _as_utc(moment: date | datetime, time_of_day: time) -> datetime:
    if isinstance(moment, datetime):
        return naive_utc(moment)
    return datetime.combine(moment, time_of_day, tzinfo=timezone.utc).replace(tzinfo=None)
