"""The core loop in a real browser: ask, get an answer from another customer, accept it."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PASSWORD = "a-long-enough-pass"


def register(page, base, username):
    page.goto(f"{base}/auth/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text(f"Thank you, {username}.")).to_be_visible()
    log_in(page, base, username)


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def log_in(page, base, username):
    page.goto(f"{base}/auth/login")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_ask_answer_accept(page, live_server):
    register(page, live_server, "asker1")
    page.get_by_role("link", name="Ask a question").first.click()
    page.get_by_label("Title").fill("Printer shows error E42 after update")
    page.get_by_label("Details").fill("Since last night the P200 shows **E42**.")
    page.get_by_label("Category").select_option("printers")
    page.get_by_label("Tags").fill("p200, firmware")
    page.get_by_role("button", name="Post your question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Printer shows error E42 after update")
    thread_url = page.url
    log_out(page)

    register(page, live_server, "helper1")
    page.goto(thread_url)
    page.get_by_label("Your answer").fill("Unplug it for thirty seconds, then hold reset while plugging in.")
    page.get_by_role("button", name="Post your answer").click()
    expect(page.get_by_text("Thank you for helping!")).to_be_visible()
    log_out(page)

    log_in(page, live_server, "asker1")
    page.goto(thread_url)
    page.get_by_role("button", name=re.compile("Accept")).first.click()
    expect(page.get_by_text("Marked as solved")).to_be_visible()
    expect(page.locator("main").get_by_text("Resolved").first).to_be_visible()
    page.goto(f"{live_server}/?status=resolved")
    expect(page.get_by_role("link", name="Printer shows error E42 after update")).to_be_visible()


def test_markdown_preview(page, live_server):
    register(page, live_server, "previewer")
    page.goto(f"{live_server}/ask")
    page.get_by_label("Details").fill("**bold** and <script>x</script>")
    page.get_by_role("button", name="Preview").first.click()
    preview = page.locator("strong", has_text="bold")
    expect(preview).to_be_visible()
