"""From what a user typed to the parts of a PostgreSQL full-text search.

User text goes to ``websearch_to_tsquery``, which never fails on any input and
reads the syntax of web search boxes: every word must occur, ``"a phrase"``,
``a or b``, ``-word``. Stop words of either language are dropped first. Searches written for the Whoosh backend keep working:
``NOT word`` becomes ``-word``, ``AND`` is dropped (it is the default), and
the fields Whoosh knew (``tag:``/``tags:``, ``title:``, ``status:``,
``category:``) become filters or title-only words; any other ``name:`` prefix
is read as plain words.

Customers describe problems in sentences, and requiring every word of a
sentence often finds nothing, so a search without operators that finds
nothing is run again as "any of these words" (``any_words``).
"""

import re
from dataclasses import dataclass

from .analysis import STOP_WORDS

_FIELD = re.compile(r'(?<![\w"])(tags?|title|status|category):("[^"]*"|[^\s"]+)', re.IGNORECASE)
_NOT = re.compile(r"(?<!\S)NOT\s+(?=[^\s-])")
_AND = re.compile(r"(?<!\S)AND(?!\S)")
_FIELD_NAMES = {"tag": "tag", "tags": "tag", "title": "title", "status": "status", "category": "category"}
_WORD = re.compile(r"[^\W_]+")
_STOP_WORDS = STOP_WORDS - {"or"}  # "or" is an operator
_OPERATORS = re.compile(r'"|(?<!\S)-|(?<!\S)or(?!\S)', re.IGNORECASE)


@dataclass(frozen=True)
class ParsedQuery:
    """What a search box text asks for.

    ``text`` is for ``websearch_to_tsquery``; ``title_words`` must stand in the
    title; ``tags``, ``statuses`` and ``categories`` restrict the threads as the
    filters of the search form do. ``any_words`` is the fallback described in
    the module docstring, or None when the text uses operators. ``plain``: only
    words, no operator and no field, so a thread matching it holds every word.
    ``only_stop_words``: words were typed, but all of them are stop words (so
    nothing is found, rather than everything listed).
    """

    text: str
    title_words: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    any_words: str | None = None
    only_stop_words: bool = False
    plain: bool = False

    @property
    def has_terms(self) -> bool:
        """Whether any words are searched for (rather than only filters, or nothing)."""
        return any(word.lower() != "or" for word in _WORD.findall(self.text)) or bool(self.title_words)


def parse(text: str) -> ParsedQuery:
    """The parts of ``text`` (already cleaned of control characters and cut to length)."""
    fields: dict[str, list[str]] = {"tag": [], "title": [], "status": [], "category": []}

    def take_field(match: re.Match) -> str:
        name = _FIELD_NAMES[match.group(1).lower()]
        value = match.group(2).strip('"')
        if name == "title":
            fields["title"] += _WORD.findall(value)
        elif value.strip():
            fields[name].append(value.strip().lower())
        return " "

    remaining = _FIELD.sub(take_field, text)
    remaining = _AND.sub(" ", _NOT.sub("-", remaining))
    only_stop_words = bool(_WORD.search(remaining))
    # One stop-word list for both languages, as the Whoosh backend has: each
    # configuration drops only its own ("the" is a word to German).
    remaining = _WORD.sub(lambda word: "" if word.group().lower() in _STOP_WORDS else word.group(), remaining)
    words = [word for word in _WORD.findall(remaining) if word.lower() != "or"]
    only_stop_words = only_stop_words and not words
    any_words = None
    if len(words) > 1 and not _OPERATORS.search(remaining):
        any_words = " or ".join(words)
    return ParsedQuery(
        text=" ".join(remaining.split()),
        title_words=tuple(fields["title"]),
        tags=tuple(fields["tag"]),
        statuses=tuple(fields["status"]),
        categories=tuple(fields["category"]),
        any_words=any_words,
        only_stop_words=only_stop_words,
        plain=not _OPERATORS.search(remaining) and not any(fields.values()),
    )
