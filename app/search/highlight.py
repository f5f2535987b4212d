"""Snippets: escaped text in which only ``<mark>`` is markup.

Templates render ``snippet_html`` unescaped, so everything taken from a post is
escaped here, fragment by fragment, and nothing but ``<mark>`` is ever added. A
word is marked when one of the terms the index stores for it is a query term,
so "Rechnungen" marks "Rechnung" and "printers" marks "printer".
"""

from html import escape
from itertools import islice

from whoosh.highlight import ContextFragmenter, Formatter, get_text

from .analysis import folded_tokens, index_terms
from .schema import EXCERPT_CHARS, excerpt

_FRAGMENTER = ContextFragmenter(maxchars=EXCERPT_CHARS, surround=40)
_FRAGMENTS = 2


class _MarkFormatter(Formatter):
    between = " … "

    def _text(self, text):
        return escape(text)

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"


_FORMATTER = _MarkFormatter()


def snippet_html(text: str, terms: set[str]) -> str:
    """The first passages of ``text`` with words indexed as one of ``terms`` marked.

    The first rather than the best passages: finding the best means tokenizing
    all of ``text`` for every hit, which cost more than the search. Falls back
    to the escaped start of ``text`` when no term occurs in it (the thread
    matched by its title or tags, or further down than is kept).
    """
    fragments = list(islice(_FRAGMENTER.fragment_tokens(text, _marked(text, terms)), _FRAGMENTS))
    if fragments:
        return _FORMATTER.format(fragments)
    return escape(excerpt(text, EXCERPT_CHARS))


def _marked(text, terms):
    for token in folded_tokens(text):
        token.matched = not terms.isdisjoint(index_terms(token.text))
        yield token
