"""Fixtures for the search and knowledge-base tests; import them explicitly:

    from tests.search_fixtures import search_index, forum  # noqa: F401

The index lives in the test session's SEARCH_INDEX_DIR (see tests/conftest.py)
and is emptied before each test that uses ``search_index``; the background
indexer is off in testing, so tests call ``search_index.drain()`` to drain the outbox.

A module that tests the search contract runs on both backends by overriding
``search_backend_kind`` with ``both_backends``; the PostgreSQL one writes
each document in the change's own transaction, so draining finds nothing to do.
"""
from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import Answer, Thread, User
from app.search import make_backend
from app.search.indexer import drain_all
from app.services import posting, resolution, search_outbox
from app.services import search as search_service


BACKENDS = ["whoosh", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def both_backends(request):
    """Override ``search_backend_kind`` with this to run a module's tests on each backend."""
    return request.param


@pytest.fixture()
def search_index(app, search_backend_kind):
    """An empty index of the chosen backend; yields a helper that drains the outbox into it."""
    extension = search_service.init_app(app)
    kept = extension.kind, extension._backend
    with app.app_context():
        if search_backend_kind != extension.kind:
            extension.kind = search_backend_kind
            extension._backend = make_backend(search_backend_kind, extension.index_dir, engine=db.engine)
        search_service.backend().clear()

    class Index:
        def drain(self) -> int:
            with app.app_context():
                try:
                    return drain_all()
                finally:
                    db.session.remove()

    yield Index()
    extension.kind, extension._backend = kept


class Forum:
    """Builds forum content through the real services (the outbox included)."""

    def __init__(self, app, make):
        self.app, self.make = app, make
        self.users = {}

    def user(self, name="alice", role="member"):
        if name not in self.users:
            self.users[name] = self.make.user(name, role=role)
        return self.users[name]

    def category(self, slug):
        from app.models import Category

        with self.app.app_context():
            exists = db.session.query(Category.id).filter_by(slug=slug).first()
        if not exists:
            self.make.category(slug)
        return slug

    def thread(self, title, body="Nothing special happened here at all.", *, category="printers", tags=("p200",),
               author="alice", answers=(), accept=None, answerer="bob"):
        """A thread with answers; ``accept`` is the index of the answer to accept."""
        self.category(category)
        asker = self.user(author)
        helper = self.user(answerer)
        thread_id = self.make.thread(asker, title=title, body=body, category=category, tags=tags)
        answer_ids = [self.make.answer(helper, thread_id, body=text) for text in answers]
        if accept is not None:
            with self.app.app_context():
                user = db.session.get(User, asker.id)
                resolution.accept(user, db.session.get(Thread, thread_id), answer_ids[accept])
        return SimpleNamespace(id=thread_id, answer_ids=answer_ids)

    def set_visibility(self, visibility, *, thread_id=None, answer_id=None):
        """What moderation does: change visibility and queue the thread for the index, in one commit."""
        with self.app.app_context():
            if answer_id is not None:
                post = db.session.get(Answer, answer_id)
                post.visibility = visibility
                thread_id = post.thread_id
            else:
                db.session.get(Thread, thread_id).visibility = visibility
            search_outbox.enqueue(thread_id)
            db.session.commit()


@pytest.fixture()
def forum(app, make):
    return Forum(app, make)


def search_json(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def found_ids(client, **params):
    return [item["thread_id"] for item in search_json(client, **params)["items"]]


def unique_word(process: int, number: int) -> str:
    """A word no other post contains, that survives both stemmers unchanged enough to be searched."""
    letters = "".join("bcdfghjklmnpqrstvwxz"[int(digit)] for digit in f"{number:03d}")
    return f"kw{process}{letters}zy"


def post_answers_in_another_process(database_url: str, index_dir: str, user_id: int, thread_id: int,
                                    process: int, count: int, search_backend: str = "whoosh") -> None:
    """Target of a spawned process: post ``count`` answers through the real service."""
    from app import create_app
    from app.models import User as UserModel

    app = create_app("testing", {"DATABASE_URL": database_url, "SEARCH_INDEX_DIR": index_dir,
                                 "SEARCH_BACKEND": search_backend})
    with app.app_context():
        for number in range(count):
            author = db.session.get(UserModel, user_id)
            posting.answer(author, posting.visible_thread(thread_id),
                           f"Answer {number} from process {process}: try {unique_word(process, number)}.")
            db.session.remove()
        db.engine.dispose()
