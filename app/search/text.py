"""Plain text for and from search, in code that needs no index library.

Posts are stored as HTML (sanitised on write), but the index must see words, not
tags: ``<p>paper</p><p>jam</p>`` is two words, not "paperjam", and ``&amp;`` is "&".
Block elements therefore end a line; inline elements run on. Query cleaning and
excerpts live here too, so that a process searching PostgreSQL, or not
searching at all, never imports Whoosh for them.
"""

import re
import unicodedata
from html.parser import HTMLParser

from .backend import ThreadDocument

_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
    "table", "td", "th", "tr", "ul",
})
# Their content is never prose, whether or not the sanitiser let them through.
_HIDDEN_TAGS = frozenset({"script", "style", "template"})
_WHITESPACE = re.compile(r"\s+")


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _HIDDEN_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        # In HTML a line break in the source is just a space.
        if not self._hidden_depth:
            self.parts.append(_WHITESPACE.sub(" ", data))


def html_to_text(html: str) -> str:
    """Return the words of ``html`` with entities unescaped, one block per line."""
    collector = _TextCollector()
    collector.feed(html or "")
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)


# Snippets are highlighted from a short, stored start of the thread: the first
# lines of the question and of the accepted answer (or, without one, of the
# other answers). Tokenizing whole threads for every hit on a page cost three
# times the search itself; this bounds the work per hit to a few dozen words.
HIGHLIGHT_QUESTION_CHARS = 400
HIGHLIGHT_ANSWER_CHARS = 200
EXCERPT_CHARS = 200
MAX_QUERY_CHARS = 500
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def clean_text(text: str) -> str:
    """``text`` without control, format or unassigned characters, cut to a sane length."""
    printable = "".join(
        " " if unicodedata.category(char) in _UNPRINTABLE else char for char in text or ""
    )
    cleaned = " ".join(printable.split())
    if len(cleaned) <= MAX_QUERY_CHARS:
        return cleaned
    return cleaned[:MAX_QUERY_CHARS + 1].rsplit(" ", 1)[0][:MAX_QUERY_CHARS]


def _start(text: str, limit: int) -> str:
    """The start of ``text``, at most ``limit`` characters, cut at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[:limit + 1]
    if not cut[-1].isspace():  # the last word runs on: drop it, unless it is the only one
        cut = cut.rsplit(None, 1)[0]
    return cut[:limit].rstrip()


def highlight_source(doc: ThreadDocument) -> str:
    """What a snippet is cut from: the start of the question and of the best answer."""
    answer = doc.accepted_answer_text or doc.answers_text
    parts = (_start(doc.question_text, HIGHLIGHT_QUESTION_CHARS), _start(answer, HIGHLIGHT_ANSWER_CHARS))
    return "\n".join(part for part in parts if part)


def excerpt(text: str, limit: int) -> str:
    """The start of ``text``, cut at a word boundary, with "…" if anything was cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"
