"""The sanitiser: hostile Markdown must come out as inert HTML."""
from html.parser import HTMLParser

import pytest

from app.markup import ALLOWED_TAGS, render_markdown, sanitise_html


class ElementCollector(HTMLParser):
    """The real elements and attributes a browser would build from the HTML."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<iframe src=https://evil.example></iframe>",
    "<form action=https://evil.example><input name=x></form>",
    "<a href='https://ok.example' onclick='steal()'>x</a>",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "<b><i>unclosed <script>x</b></i>",
    "<svg><g/onload=alert(2)//<p>",
    "![img](javascript:alert(1))",
    "<<script>script>alert(1)<</script>/script>",
]


def assert_inert(html: str) -> None:
    for tag, attrs in ElementCollector(html).elements:
        assert tag in ALLOWED_TAGS
        assert not any(name.startswith("on") or name == "style" for name in attrs)
        href = (attrs.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:"))


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_is_inert(source):
    assert_inert(render_markdown(source))


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_raw_html_is_cleaned(source):
    """Even if the Markdown layer let raw HTML through, the sanitiser must stop it."""
    assert_inert(sanitise_html(source))


def test_sanitiser_keeps_safe_links_with_rel():
    html = sanitise_html('<a href="https://ok.example" onclick="steal()">x</a>')
    assert html == '<a href="https://ok.example" rel="nofollow ugc noopener">x</a>'


def test_usual_formatting_survives():
    html = render_markdown("# Title\n\n**bold** *em* `code`\n\n- a\n- b\n\n> quote\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    for tag in ("<h3>", "<strong>", "<em>", "<code>", "<ul>", "<blockquote>", "<table>"):
        assert tag in html
    assert "<h1>" not in html


def test_links_are_nofollow_and_autolinked():
    html = render_markdown("see https://example.com and [docs](https://docs.example.com)")
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert 'href="https://example.com"' in html


def test_code_blocks_escape_markup():
    html = render_markdown("```\n<script>alert(1)</script>\n```")
    assert "&lt;script&gt;" in html and "<script>" not in html
