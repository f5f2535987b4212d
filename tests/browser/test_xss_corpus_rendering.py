"""A corpus of hostile input, posted through the API and the forms, rendered in Chromium on every page
type where it appears: no dialog opens, no script side effect happens, no event-handler attribute or
`javascript:` link reaches the DOM, and every page carries the Content-Security-Policy header.

The checks do not lean on the CSP alone: the DOM check fails if the sanitiser or an autoescape ever
lets markup through, even though the CSP would still stop it from running.
"""
import itertools
import re

import pytest

from tests.browser.conftest import serving
from tests.browser.test_layout import PASSWORD

pytestmark = pytest.mark.browser

SIDE_EFFECT = "window.__pwned=1"
BASE_PAYLOADS = [
    f"<script>{SIDE_EFFECT}</script>",
    "<script>alert(1)</script>",
    f'<img src=x onerror="{SIDE_EFFECT}">',
    "<img src=x onerror=alert(1)>",
    f"<svg onload={SIDE_EFFECT}>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>x</details>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"&#106;avascript:alert(1)\">click</a>",
    "<a href=\" javascript:alert(1)\">click</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](x\" onerror=\"alert(1))",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    "<style>*{background:url('javascript:alert(1)')}</style>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>go</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<marquee onstart=alert(1)>x</marquee>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "{{ config }}{% for x in [1] %}{{ x }}{% endfor %}",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=import href=\"data:text/html,<script>alert(1)</script>\">",
    "`<script>alert(1)</script>` and ```\n<script>alert(1)</script>\n```",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "\u202e<script>alert(1)</script>",
]
# Each payload inside the Markdown constructs that change how it is parsed: 4 × 40 = 160 vectors.
WRAPPERS = ["{}", "# {}", "> {}", "- item {}"]
VECTORS = [wrapper.format(payload) for payload, wrapper in itertools.product(BASE_PAYLOADS, WRAPPERS)]
FIELD_PAYLOADS = BASE_PAYLOADS[:12]      # titles, reasons, names, queries: plain text fields

DOM_CHECK = """() => {
  const handlers = [...document.querySelectorAll('*')].filter(el =>
      [...el.attributes].some(a => a.name.toLowerCase().startsWith('on')));
  const links = [...document.querySelectorAll('[href],[src],[action],[data]')].filter(el =>
      ['href', 'src', 'action', 'data'].some(n => /^\\s*(javascript|vbscript|data:text)/i.test(el.getAttribute(n) || '')));
  const inline = [...document.querySelectorAll('script:not([src])')].filter(s => s.textContent.trim());
  return {handlers: handlers.length, links: links.length, inline: inline.length,
          iframes: document.querySelectorAll('iframe,object,embed,base,meta[http-equiv]').length,
          pwned: window.__pwned === 1};
}"""


def _quiet_context(browser, **options):
    """A context without live-update sockets: pages are opened in quick succession, and a socket torn
    down mid-handshake only adds noise in the server thread; nothing here is about live updates."""
    context = browser.new_context(**options)
    context.route("**/socket.io/**", lambda route: route.abort())
    return context


def test_corpus_has_at_least_a_hundred_vectors():
    assert len(VECTORS) + len(FIELD_PAYLOADS) * 6 >= 100


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server of this module's own: the corpus it leaves in titles and banners must not reach other tests' pages.

    A second app takes over the process-wide Socket.IO server, so this module is named to run last.
    """
    with serving(tmp_path_factory.mktemp("hostile-live")) as url:
        yield url


@pytest.fixture(scope="module")
def hostile_world(browser, live_server):
    """Post the corpus as the admin `chief` through the API and the forms; return the paths to render."""
    context = _quiet_context(browser)
    request = context.request
    token = request.post(f"{live_server}/api/v1/tokens",
                         headers={"Authorization": "Basic " + _basic("chief", PASSWORD)}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    threads = []
    for number, chunk in enumerate(_chunks(VECTORS, 8)):
        title = f"Hostile {number} " + FIELD_PAYLOADS[number % len(FIELD_PAYLOADS)]
        created = request.post(f"{live_server}/api/v1/threads", headers=auth, data={
            "title": title[:140], "body": "\n\n".join(chunk), "category": "printers",
            "tags": ["p200"]})
        assert created.status in (201, 400), created.text()
        if created.status == 201:
            thread_id = created.json()["id"]
            threads.append(thread_id)
            answer = request.post(f"{live_server}/api/v1/threads/{thread_id}/answers", headers=auth,
                                  data={"body": "\n\n".join(reversed(chunk))})
            assert answer.status == 201
    for payload in FIELD_PAYLOADS:     # tags and usernames are refused by their patterns: a 400, never a 500
        refused = request.post(f"{live_server}/api/v1/threads", headers=auth, data={
            "title": "A question with a hostile tag", "body": "Body text here.", "category": "printers",
            "tags": [payload]})
        assert refused.status == 400
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Username or e-mail").fill("chief")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/mod/house-rules/en")
    page.get_by_label("House rules (Markdown)").fill("\n\n".join(VECTORS[:40]))
    page.get_by_role("button", name="Save").click()
    page.goto(f"{live_server}/staff/admin/announcements/new")
    page.get_by_label("Title").fill(("Notice " + FIELD_PAYLOADS[0])[:150])
    page.get_by_label("Message").fill("\n\n".join(VECTORS[40:60])[:4900])
    page.get_by_role("button", name=re.compile("Save|Publish", re.I)).first.click()
    page.goto(f"{live_server}/staff/canned-replies/new")
    page.get_by_label("Title").fill(("Reply " + FIELD_PAYLOADS[1])[:110])
    page.get_by_label("Reply").fill("\n\n".join(VECTORS[60:80]))
    page.get_by_role("button", name=re.compile("Save", re.I)).first.click()
    # Moderator reasons: a hidden post's reason and a sanction's reason, as their pages show them.
    victim = request.post(f"{live_server}/api/v1/threads", headers=auth, data={
        "title": "A post a moderator hides", "body": "Nothing wrong with this text.", "category": "printers"})
    hidden_id = victim.json()["id"]
    page.goto(f"{live_server}/threads/{hidden_id}")
    page.locator(".question .mod-box summary").click()
    page.locator(".question .mod-box input[name=reason]").fill(FIELD_PAYLOADS[2])
    page.locator(".question .mod-box").get_by_role("button", name="Hide").click()
    context.close()
    return {"threads": threads, "hidden": hidden_id}


def _basic(user, password):
    import base64

    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _chunks(items, size):
    return [items[index:index + size] for index in range(0, len(items), size)]


def test_hostile_usernames_are_refused_and_echoed_inert(browser, live_server):
    context = _quiet_context(browser)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for number, payload in enumerate(FIELD_PAYLOADS):
        page.goto(f"{live_server}/auth/register")
        page.get_by_label("Username").fill(payload[:32])
        page.get_by_label("E-mail").fill(f"hostile{number}@example.com")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Repeat password").fill(PASSWORD)
        with page.expect_response(lambda response: response.request.method == "POST") as posted:
            page.get_by_role("button", name="Create account").click()
        assert posted.value.status == 400
        assert not any(page.evaluate(DOM_CHECK).values())
    context.close()
    assert dialogs == []


def test_hostile_input_renders_inert_on_every_page_type(browser, live_server, hostile_world):
    context = _quiet_context(browser)
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Username or e-mail").fill("chief")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    paths = ["/", "/threads?sort=newest", "/house-rules", "/staff/canned-replies", "/mod/", "/mod/audit",
             f"/threads/{hostile_world['hidden']}", "/users/chief", "/kb"]
    paths += [f"/threads/{thread_id}" for thread_id in hostile_world["threads"]]
    paths += [f"/threads/{hostile_world['threads'][0]}/edit"]
    paths += ["/search?q=" + payload for payload in FIELD_PAYLOADS]
    paths += ["/api/v1/search?q=" + payload for payload in FIELD_PAYLOADS[:3]]
    problems = []
    for path in paths:
        response = page.goto(live_server + path)
        if response.status >= 500:
            problems.append(f"{path}: {response.status}")
        if "content-security-policy" not in response.headers:
            problems.append(f"{path}: no Content-Security-Policy header")
        if path.startswith("/api/"):
            continue
        found = page.evaluate(DOM_CHECK)
        if any(found.values()):
            problems.append(f"{path}: {found}")
    context.close()
    assert dialogs == []
    assert problems == []
