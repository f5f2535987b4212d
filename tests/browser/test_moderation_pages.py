"""Moderation as people see it in Chromium: the review queue, the audit log, a hidden post seen by its
author and the house rules, at desktop and phone widths (screenshots in PEERDESK_SCREENSHOT_DIR)."""
import pytest

from tests.browser.test_layout import PASSWORD, WIDTHS, check_page

pytestmark = pytest.mark.browser


def _login(browser, live_server, username, tmp_path_factory, name):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    state = tmp_path_factory.mktemp(name) / "state.json"
    context.storage_state(path=str(state))
    return context, page, state


@pytest.fixture(scope="module")
def moderated(browser, live_server, tmp_path_factory):
    """An admin's watched word holds one question; another question is hidden by the admin with a reason."""
    admin, admin_page, admin_state = _login(browser, live_server, "chief", tmp_path_factory, "chief")
    admin_page.goto(f"{live_server}/mod/watched-words")
    admin_page.get_by_label("Word or pattern").fill("casino")
    admin_page.get_by_label("What happens").select_option("hold")
    admin_page.get_by_role("button", name="Watch").click()
    admin_page.goto(f"{live_server}/mod/house-rules/en")
    admin_page.get_by_label("House rules (Markdown)").fill(
        "## Be kind\n\nHelp others the way you would like to be helped.\n\n"
        "- No spam or advertising.\n- No insults.\n- One question per thread.")
    admin_page.get_by_role("button", name="Save").click()

    member = browser.new_context()
    page = member.new_page()
    page.goto(f"{live_server}/auth/register")
    page.get_by_label("Username").fill("modmember")
    page.get_by_label("E-mail").fill("modmember@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Username or e-mail").fill("modmember")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for title, body in (("Casino bonus for printer owners", "Free spins for every cartridge you buy here."),
                        ("Scanner sends my phone number to everyone", "Call me on 0170 1234567 for details.")):
        page.goto(f"{live_server}/ask")
        page.get_by_label("Title").fill(title)
        page.get_by_label("Details").fill(body)
        page.get_by_label("Category").select_option("printers")
        page.get_by_role("button", name="Post your question").click()
    hidden_path = page.url.split("#")[0].replace(live_server, "")
    member_state = tmp_path_factory.mktemp("modmember") / "state.json"
    member.storage_state(path=str(member_state))
    member.close()

    admin_page.goto(live_server + hidden_path)
    admin_page.locator(".question .mod-box summary").click()
    admin_page.locator(".question .mod-box input[name=reason]").fill("Please remove the phone number")
    admin_page.locator(".question .mod-box").get_by_role("button", name="Hide").click()
    admin.close()
    return admin_state, member_state, hidden_path


@pytest.mark.parametrize("device", WIDTHS)
def test_moderation_pages_fit_the_screen(browser, live_server, moderated, device):
    admin_state, member_state, hidden_path = moderated
    check_page(browser, live_server, "/mod/", admin_state, device, "mod-queue")
    check_page(browser, live_server, "/mod/audit", admin_state, device, "mod-audit")
    check_page(browser, live_server, hidden_path, member_state, device, "mod-hidden-post")
    check_page(browser, live_server, "/house-rules", None, device, "mod-house-rules")


def test_the_author_sees_why_the_post_is_hidden_and_others_do_not_see_it(browser, live_server, moderated):
    _admin_state, member_state, hidden_path = moderated
    author = browser.new_context(storage_state=str(member_state))
    page = author.new_page()
    page.goto(live_server + hidden_path)
    assert "Hidden: Please remove the phone number" in page.locator(".moderation-state").first.inner_text()
    author.close()
    visitor = browser.new_context()
    response = visitor.new_page().goto(live_server + hidden_path)
    assert response.status == 404
    visitor.close()


def test_the_queue_shows_the_held_question_with_its_actions(browser, live_server, moderated):
    admin_state, _member_state, _hidden_path = moderated
    context = browser.new_context(storage_state=str(admin_state))
    page = context.new_page()
    page.goto(f"{live_server}/mod/")
    item = page.locator(".review-item").filter(has_text="Casino bonus")
    assert "Held for review" in item.inner_text()
    item.get_by_role("button", name="Approve").click()
    assert page.locator(".review-item").filter(has_text="Casino bonus").count() == 0
    context.close()
