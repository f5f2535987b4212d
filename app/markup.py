"""The only producer of HTML from user text.

Markdown is rendered with markdown-it-py (raw HTML off, `javascript:`/`data:`
links refused by the "js-default" preset) and the result is cleaned by nh3
(Ammonia). The design card named bleach; bleach's maintainers ended it on
2026-06-05 with no further security releases, so the sanitiser is nh3,
kept behind this one module. Callers sanitise on write and store the HTML;
templates may mark only this module's output as safe.
"""
import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "em", "strong", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
}
# Headings h1/h2 belong to the page itself; user headings start at h3.
HEADING_SHIFT = {"h1": "h3", "h2": "h4", "h3": "h5", "h4": "h6", "h5": "h6"}

_markdown = MarkdownIt("js-default", {"linkify": True, "html": False, "breaks": False})
_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow ugc noopener",
    strip_comments=True,
)


def _shift_headings(tokens) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = HEADING_SHIFT.get(token.tag, token.tag)


def sanitise_html(html: str) -> str:
    """Reduce HTML to the allowlist; the second wall behind markdown-it's escaping."""
    return _cleaner.clean(html)


def render_markdown(source: str) -> str:
    """Markdown source -> sanitised HTML, safe to store and to mark safe."""
    tokens = _markdown.parse(source)
    _shift_headings(tokens)
    return sanitise_html(_markdown.renderer.render(tokens, _markdown.options, {}))
