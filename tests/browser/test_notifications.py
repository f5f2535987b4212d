"""`flask sla sweep` in its own process, no Redis: an open staff queue and the asker's page hear it live.

The server is `python wsgi.py` in its own process (relay and notification worker on, as in
`make run`), so every event of the sweep crosses a process boundary through the event log.
Also takes the README's screenshots of the notification pages and a rendered mail.
"""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-enough-pass"
SEED = """
from datetime import datetime, timedelta, timezone
from app import clock, create_app
from app.extensions import db
from app.models import Category, User
from app.services import accounts, posting
app = create_app()
with app.app_context():
    db.create_all()
    db.session.add(Category(slug="printers", name="Printers", description="Printers", sla_minutes=30,
                            staff_response_minutes=120))
    db.session.commit()
    for name, role in (("alice", "member"), ("bob", "member"), ("sam", "staff"), ("chief", "admin")):
        accounts.register(accounts.Registration(name, name + "@example.com", "%s", role=role))
    clock.set_source(lambda: datetime.now(timezone.utc) - timedelta(hours=2))
    alice = db.session.scalar(db.select(User).where(User.username == "alice"))
    posting.ask(alice, posting.QuestionDraft("Printer shows error E42 after update", "It stopped printing.",
                                             "printers", ["p200"]))
    clock.reset()
    bob = db.session.scalar(db.select(User).where(User.username == "bob"))
    thread = posting.ask(bob, posting.QuestionDraft("Scanner saves blank pages", "Every scan is white.",
                                                    "printers", ["scanner"]))
    posting.answer(alice, thread, "Clean the glass and **recalibrate** in the settings. @bob try it.")
""" % PASSWORD


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notify-live")
    port = free_port()
    environment = {**os.environ, "PEERDESK_CONFIG": "testing", "DATABASE_URL": f"sqlite:///{folder / 'live.db'}",
                   "FLASK_APP": "app", "SOCKETIO_MESSAGE_QUEUE": "", "PORT": str(port),
                   "EVENTS_RUN_RELAY_IN_SERVER": "true", "NOTIFY_RUN_WORKER_IN_SERVER": "true",
                   "NOTIFY_DISPATCH_INLINE": "false", "MAIL_FILE_DIR": str(folder / "mail"),
                   "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "SEARCH_INDEX_DIR": str(folder / "index")}
    subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=environment, check=True, timeout=120)
    process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield {"url": f"http://127.0.0.1:{port}", "env": environment, "folder": folder}
    process.terminate()
    process.wait(timeout=30)


def logged_in(browser, server, username, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{server['url']}/auth/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    return context, page


def wait_connected(page):
    # wait_for_function would evaluate a string in the page, which the CSP rightly forbids.
    for _ in range(150):
        if page.evaluate("() => Boolean(window.Peerdesk && Peerdesk.socket() && Peerdesk.socket().connected)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the page's socket never connected")


def shoot(page, name):
    folder = os.environ.get("PEERDESK_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_a_cron_sweep_reaches_the_open_staff_queue_and_the_askers_page(browser, server):
    from playwright.sync_api import expect

    staff_context, queue = logged_in(browser, server, "sam")
    queue.goto(f"{server['url']}/staff/?view=escalated")
    asker_context, thread = logged_in(browser, server, "alice")
    thread.goto(f"{server['url']}/threads/1")
    wait_connected(queue)
    wait_connected(thread)
    bell_before = thread.locator("[data-bell-count]").text_content()
    row = queue.locator('[data-queue-row="1"]')
    # The queue computes overdue threads itself, so the row is there before the sweep, marked as not yet swept.
    expect(row).to_contain_text("Overdue, not yet swept")
    result = subprocess.run([sys.executable, "-m", "flask", "sla", "sweep"], cwd=ROOT, env=server["env"],
                            capture_output=True, text=True, timeout=120)
    assert "escalated 1" in result.stdout, result.stderr
    expect(row).not_to_contain_text("Overdue, not yet swept", timeout=20_000)
    expect(row).to_contain_text("Printer shows error E42 after update")
    expect(thread.locator("[data-live-region]")).not_to_be_empty(timeout=20_000)
    expect(thread.locator("[data-bell-count]")).to_have_text(str(int(bell_before or 0) + 1), timeout=20_000)
    shoot(queue, "staff-queue-live-desktop")
    staff_context.close()
    asker_context.close()


@pytest.mark.parametrize("width,device", [(1280, "desktop"), (390, "phone")])
def test_notification_pages_fit_the_screen(browser, server, width, device):
    context, page = logged_in(browser, server, "alice", width)
    for path, name in (("/notifications", "notifications"), ("/notifications/preferences", "notification-preferences")):
        page.goto(server["url"] + path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        shoot(page, f"{name}-{device}")
    context.close()
    context, page = logged_in(browser, server, "chief", width)
    page.goto(server["url"] + "/staff/admin/mail")
    assert page.locator("table.mail-table").count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    shoot(page, f"admin-mail-{device}")
    context.close()


def test_a_rendered_mail(browser, server):
    """The HTML of the official-answer style mail as a mail client would show it."""
    import sqlite3

    connection = sqlite3.connect(server["env"]["DATABASE_URL"].removeprefix("sqlite:///"))
    html = connection.execute("SELECT html_body FROM mail_outbox WHERE kind = 'answered' ORDER BY id LIMIT 1"
                              ).fetchone()[0]
    connection.close()
    context = browser.new_context(viewport={"width": 700, "height": 800}, java_script_enabled=False)
    page = context.new_page()
    page.set_content(html)
    assert "recalibrate" in page.content()
    shoot(page, "mail-answer")
    context.close()
