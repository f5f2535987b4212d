"""Every main page fits desktop and phone screens; screenshots land in PEERDESK_SCREENSHOT_DIR.

Set PEERDESK_SCREENSHOT_DIR=docs/screenshots to refresh the README's pictures.
"""
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
PASSWORD = "a-long-enough-pass"


@pytest.fixture(scope="module")
def member_state(browser, live_server, tmp_path_factory, request):
    """A logged-in member who asked one question and answered another (storage state file).

    Other modules import this fixture; the member is made once per server
    (a second sign-up with the same name, or the same question again, is refused).
    """
    made = getattr(request.config, "peerdesk_member_states", {})
    if live_server in made:
        return made[live_server]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/auth/register")
    page.get_by_label("Username").fill("layoutuser")
    page.get_by_label("E-mail").fill("layoutuser@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Username or e-mail").fill("layoutuser")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/ask")
    page.get_by_label("Title").fill("Wi-Fi setup fails at step 3 every time")
    page.get_by_label("Details").fill("The printer finds my network but the password step times out.\n\n"
                                      "- router: FritzBox 7590\n- firmware: 2.1.0\n\n```\nERR_TIMEOUT 0x42\n```")
    page.get_by_label("Category").select_option("printers")
    page.get_by_label("Tags").fill("wifi, setup")
    page.get_by_role("button", name="Post your question").click()
    page.get_by_label("Your answer").fill("Try the WPS button on the router, it skips the password step.")
    page.get_by_role("button", name="Post your answer").click()
    state = tmp_path_factory.mktemp("state") / "member.json"
    context.storage_state(path=str(state))
    thread_path = page.url.split("#")[0].replace(live_server, "")
    context.close()
    made[live_server] = (state, thread_path)
    request.config.peerdesk_member_states = made
    return state, thread_path


PAGES = ["/", "THREAD", "/ask", "/users/layoutuser", "/auth/login", "/auth/register", "/auth/sessions",
         "/auth/password", "/no-such-page"]
ANONYMOUS_PAGES = {"/auth/login", "/auth/register"}
STAFF_PAGES = ["/staff/", "/staff/metrics", "/staff/canned-replies", "/staff/admin/categories",
               "/staff/admin/announcements", "/notifications", "THREAD"]


@pytest.fixture(scope="module")
def admin_state(browser, live_server, member_state, tmp_path_factory):
    """The admin `chief`, logged in (storage state file)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Username or e-mail").fill("chief")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    state = tmp_path_factory.mktemp("admin") / "admin.json"
    context.storage_state(path=str(state))
    context.close()
    return state


def check_page(browser, live_server, url, state, device, shot_name):
    """Open a page at one screen size: no sideways scrolling, no script errors; screenshot on request."""
    width, height = WIDTHS[device]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  storage_state=str(state) if state else None)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(live_server + url)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    folder = os.environ.get("PEERDESK_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{shot_name}-{device}.png"), full_page=True)
    context.close()
    assert response.status < 500
    assert overflow <= 0, f"{url} is {overflow}px wider than a {device} screen"
    assert errors == []


def shot_name(prefix: str, path: str) -> str:
    return prefix + ((path.strip("/").replace("/", "-") or "home") if path != "THREAD" else "thread")


@pytest.mark.parametrize("device", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_page_fits_the_screen(browser, live_server, member_state, device, path):
    state, thread_path = member_state
    logged_in = path not in ANONYMOUS_PAGES
    check_page(browser, live_server, thread_path if path == "THREAD" else path, state if logged_in else None,
               device, shot_name("", path))


@pytest.mark.parametrize("device", WIDTHS)
@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_page_fits_the_screen(browser, live_server, member_state, admin_state, device, path):
    _state, thread_path = member_state
    check_page(browser, live_server, thread_path if path == "THREAD" else path, admin_state, device,
               shot_name("staff-", path))


def test_staff_queue_refetches_itself_when_the_queue_changes(browser, live_server, admin_state):
    from app.events import Happened
    from app.realtime import emitter

    context = browser.new_context(storage_state=str(admin_state))
    page = context.new_page()
    page.goto(f"{live_server}/staff/")
    # wait_for_function would evaluate a string in the page, which the CSP rightly forbids.
    connected = "() => Boolean(window.Peerdesk && Peerdesk.socket() && Peerdesk.socket().connected)"
    for _ in range(100):
        if page.evaluate(connected):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(connected), "the socket connects under the CSP (connect-src 'self')"
    with page.expect_request(lambda sent: sent.resource_type == "fetch" and sent.url.startswith(f"{live_server}/staff/")):
        # An id above any event the server wrote, so the page does not take it for one it has seen.
        emitter.send(emitter.routes_for(Happened(id=2_000_000_000, kind="escalated", thread_id=1)))
    context.close()
