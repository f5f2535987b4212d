from app.search import html_to_text


def test_block_elements_separate_words_and_inline_elements_do_not():
    html = "<p>paper</p><p>jam in <strong>tray</strong>2</p><ul><li>one</li><li>two</li></ul>"

    assert html_to_text(html) == "paper\njam in tray2\none\ntwo"


def test_line_breaks_and_whitespace_are_normalised():
    assert html_to_text("<p>a  \n  b<br>c<br/>d</p>") == "a b\nc\nd"


def test_entities_are_unescaped():
    assert html_to_text("<p>Tom &amp; Jerry &lt;3 &quot;caf&eacute;&quot; &#8364;</p>") == (
        'Tom & Jerry <3 "café" €'
    )


def test_script_and_style_content_is_not_text():
    html = "<p>before</p><script>alert('x')</script><style>p{}</style><p>after</p>"

    assert html_to_text(html) == "before\nafter"


def test_empty_input_gives_empty_text():
    assert html_to_text("") == ""
