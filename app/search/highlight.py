"""Snippets: escaped text in which only ``<mark>`` is markup.

Templates render ``snippet_html`` unescaped, so everything taken from a post is
escaped here, fragment by fragment, and nothing but ``<mark>`` is ever added. A
word is marked when one of the terms the index stores for it is a query term,
so "Rechnungen" marks "Rechnung" and "printers" marks "printer".
"""

from html import escape

from whoosh.highlight import ContextFragmenter, Formatter, Fragment, get_text

from .analysis import folded_tokens, index_terms
from .text import EXCERPT_CHARS, excerpt

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

    ``text`` is the short highlight source the index stores (see
    ``text.highlight_source``), so this costs a few dozen words per hit.
    Falls back to the escaped start of ``text`` when no term occurs in it (the
    thread matched by its title or tags, or further down than is kept).
    """
    passages = _passages(text, terms)
    if passages:
        return _FORMATTER.format(passages)
    return escape(excerpt(text, EXCERPT_CHARS))


def _passages(text, terms) -> list[Fragment]:
    """Up to ``_FRAGMENTS`` passages of ``text`` around its matches, none repeating another.

    Whoosh's ``ContextFragmenter`` starts a passage up to ``surround``
    characters before its first match even when those characters closed the
    previous passage, so two matches close together came out as two passages
    sharing words. Passages that overlap or touch are merged into one here.
    """
    passages: list[Fragment] = []
    fragments = _FRAGMENTER.fragment_tokens(text, _marked(text, terms))
    for fragment in fragments:
        if passages and not text[passages[-1].endchar:fragment.startchar].strip():
            last = passages[-1]
            passages[-1] = Fragment(text, last.matches + fragment.matches,
                                    last.startchar, max(last.endchar, fragment.endchar))
        elif len(passages) < _FRAGMENTS:
            passages.append(fragment)
        else:
            break
    return passages


def _marked(text, terms):
    for token in folded_tokens(text):
        token.matched = not terms.isdisjoint(index_terms(token.text))
        yield token
