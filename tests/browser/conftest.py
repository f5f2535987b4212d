"""A live Peerdesk server in a thread and a headless Debian Chromium driven by Playwright."""
import contextlib
import os
import socket
import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models import Category
from app.services import accounts

STAFF_PASSWORD = "a-long-enough-pass"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(folder):
    """The real app (CSRF on) on a free port with its own database; yields its base URL."""
    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{folder / 'live.db'}", "WTF_CSRF_ENABLED": True,
                                 "SEARCH_INDEX_DIR": str(folder / "index")})
    with app.app_context():
        db.create_all()
        for position, (slug, name) in enumerate([("printers", "Printers & scanners"), ("billing", "Billing")]):
            db.session.add(Category(slug=slug, name=name, description=f"Questions about {name.lower()}",
                                    position=position))
        db.session.commit()
        accounts.register(accounts.Registration("chief", "chief@example.com", STAFF_PASSWORD, role="admin"))
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One server shared by the page tests; a module that leaves hostile content behind brings its own."""
    with serving(tmp_path_factory.mktemp("live")) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("PEERDESK_CHROMIUM", "/usr/bin/chromium"), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()
