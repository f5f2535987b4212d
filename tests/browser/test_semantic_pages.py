"""Meaning-aware suggestions on the ask page and search page, in a real browser (SEARCH_SEMANTIC=on).

Threads come from bench/relevance (the billing, printer and network ones). With
PEERDESK_SCREENSHOT_DIR set, both pages are saved at 1280 and 390 px.
"""
import json
import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models import Category, Thread, User
from app.search.indexer import drain_all
from app.services import accounts, posting, resolution
from tests.browser.conftest import free_port

pytestmark = pytest.mark.browser
PASSWORD = "a-long-enough-pass"
SET_FILE = Path(__file__).resolve().parents[2] / "bench" / "relevance" / "threads.json"
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(scope="module")
def semantic_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("semantic-live")
    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{folder / 'live.db'}", "WTF_CSRF_ENABLED": True,
                                 "SEARCH_INDEX_DIR": str(folder / "index"), "SEARCH_SEMANTIC": True,
                                 "SEARCH_SEMANTIC_REFRESH_SECONDS": 0})
    threads = [thread for thread in json.loads(SET_FILE.read_text(encoding="utf-8"))["threads"]
               if thread["category"] in {"printers", "billing", "shipping"}]
    with app.app_context():
        db.create_all()
        for slug in ("printers", "billing", "shipping"):
            db.session.add(Category(slug=slug, name=slug.title(), description=f"Questions about {slug}"))
        db.session.commit()
        asker = accounts.register(accounts.Registration("asker", "asker@example.com", PASSWORD)).id
        helper = accounts.register(accounts.Registration("helper", "helper@example.com", PASSWORD)).id
        accounts.register(accounts.Registration("newcomer", "newcomer@example.com", PASSWORD))
        for thread in threads:
            draft = posting.QuestionDraft(thread["title"], thread["body"], thread["category"], thread["tags"])
            thread_id = posting.ask(db.session.get(User, asker), draft).id
            answer_id = posting.answer(db.session.get(User, helper), posting.visible_thread(thread_id),
                                       thread["answer"]).id
            if thread["status"] == "resolved":
                resolution.accept(db.session.get(User, asker), db.session.get(Thread, thread_id), answer_id)
        drain_all()
        db.session.remove()
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def screenshot(page, name: str, device: str) -> None:
    folder = os.environ.get("PEERDESK_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}-{device}.png"), full_page=True)


@pytest.mark.parametrize("device", WIDTHS)
def test_ask_page_suggests_what_the_customer_means(browser, semantic_server, device):
    context = browser.new_context(viewport={"width": WIDTHS[device], "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{semantic_server}/auth/login")
    page.get_by_label("Username or e-mail").fill("newcomer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{semantic_server}/ask")
    page.get_by_label("Title").press_sequentially("My printer is not found on Wi-Fi", delay=10)

    box = page.locator("#similar-threads")
    expect(box).to_contain_text("Wi-Fi setup fails at step 3")
    titles = [title.strip() for title in box.locator(".similar-link").all_inner_texts()]
    # A printer-on-Wi-Fi thread first (in either language); the resolved return thread, if shown at all,
    # below the open Wi-Fi setup one.
    assert titles[0] in {"Wi-Fi setup fails at step 3", "Laptop cannot find the P200 on the wireless network",
                         "Drucker wird im WLAN nicht gefunden", "WLAN-Einrichtung scheitert bei Schritt 3"}
    returned = "How do I return a damaged printer?"
    assert returned not in titles or titles.index(returned) > titles.index("Wi-Fi setup fails at step 3")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "ask-semantic", device)
    context.close()


@pytest.mark.parametrize("device", WIDTHS)
def test_search_page_finds_a_paraphrase(browser, semantic_server, device):
    context = browser.new_context(viewport={"width": WIDTHS[device], "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{semantic_server}/search?q=you+took+my+money+two+times")

    expect(page.locator("main").get_by_role("link", name="Charged twice for my subscription this month")
           ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "search-semantic", device)
    context.close()
