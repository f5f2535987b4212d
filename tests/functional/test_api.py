"""The JSON API v1, as a client program sees it."""
import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Thread


@pytest.fixture()
def world(make):
    make.category("printers")
    make.category("billing")
    asker, helper = make.user("alice"), make.user("bob")
    return {"asker": asker, "helper": helper}


def error_code(response):
    return response.get_json()["error"]["code"]


def test_token_lifecycle(world, api):
    token = api.token("alice")
    assert api.call("GET", "/api/v1/me", token).get_json()["username"] == "alice"
    assert api.call("DELETE", "/api/v1/tokens", token).status_code == 204
    response = api.call("GET", "/api/v1/me", token)
    assert response.status_code == 401 and error_code(response) == "unauthorized"


def test_token_refused_for_wrong_password(world, client):
    response = client.post("/api/v1/tokens", auth=("alice", "wrong-password-123"))
    assert response.status_code == 401
    assert client.post("/api/v1/tokens").status_code == 401


def test_garbage_token_is_401(world, api):
    assert api.call("GET", "/api/v1/me", "not-a-token").status_code == 401
    assert api.call("GET", "/api/v1/me", headers={"Authorization": "Basic xyz"}).status_code == 401


def test_ask_answer_vote_accept_round_trip(world, api):
    alice, bob = api.token("alice"), api.token("bob")
    created = api.call("POST", "/api/v1/threads", alice, json={
        "title": "Printer shows error E42", "body": "It stopped after the **update**.",
        "category": "printers", "tags": ["p200", "Firmware"]})
    assert created.status_code == 201
    thread = created.get_json()
    assert thread["status"] == "unanswered" and thread["tags"] == ["firmware", "p200"]
    assert "<strong>update</strong>" in thread["body_html"] and thread["sla_due_at"]
    for key in ("id", "title", "category", "author", "created_at", "last_activity_at", "score",
                "answer_count", "accepted_answer_id", "url"):
        assert key in thread

    answered = api.call("POST", f"/api/v1/threads/{thread['id']}/answers", bob, json={"body": "Unplug it for 30 s."})
    assert answered.status_code == 201
    answer = answered.get_json()
    assert answer["author"] == "bob" and answer["is_staff"] is False and answer["is_accepted"] is False

    assert api.call("POST", f"/api/v1/threads/{thread['id']}/vote", bob, json={"value": 1}).get_json()["score"] == 1
    assert api.call("POST", f"/api/v1/answers/{answer['id']}/vote", alice, json={"value": 1}).get_json()["score"] == 1
    assert api.call("POST", f"/api/v1/answers/{answer['id']}/vote", alice, json={"value": -1}).get_json()["score"] == -1
    assert api.call("POST", f"/api/v1/answers/{answer['id']}/vote", alice, json={"value": 0}).get_json()["score"] == 0

    accepted = api.call("POST", f"/api/v1/threads/{thread['id']}/accept", alice, json={"answer_id": answer["id"]})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "resolved"
    detail = api.call("GET", f"/api/v1/threads/{thread['id']}").get_json()
    assert detail["accepted_answer_id"] == answer["id"] and detail["answers"][0]["is_accepted"] is True

    reopened = api.call("DELETE", f"/api/v1/threads/{thread['id']}/accept", alice)
    assert reopened.get_json()["status"] == "answered"
    assert api.call("GET", "/api/v1/users/bob").get_json()["reputation"] == 1


def test_validation_errors_name_the_fields(world, api):
    token = api.token("alice")
    response = api.call("POST", "/api/v1/threads", token, json={"title": "short", "body": "", "category": "nope",
                                                                "tags": ["a", "b", "c", "d", "e", "f"]})
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"title", "body", "category", "tags"}
    assert api.call("POST", "/api/v1/threads", token, data="not json").status_code == 400
    assert api.call("POST", "/api/v1/threads", token, json=["a list"]).status_code == 400
    assert api.call("POST", "/api/v1/threads", token, json={"title": 5}).status_code == 400


def test_body_over_the_limit_is_413(world, api, app):
    token = api.token("alice")
    body = "x" * (app.config["MAX_BODY_CHARS"] + 1)
    response = api.call("POST", "/api/v1/threads", token, json={"title": "Printer error E42", "body": body,
                                                                "category": "printers"})
    assert response.status_code == 413 and error_code(response) == "payload_too_large"


def test_writes_need_a_token(world, api, make):
    thread_id = make.thread(world["asker"])
    assert api.call("POST", "/api/v1/threads", json={"title": "x"}).status_code == 401
    assert api.call("POST", f"/api/v1/threads/{thread_id}/answers", json={"body": "hello there"}).status_code == 401
    assert api.call("POST", f"/api/v1/threads/{thread_id}/vote", json={"value": 1}).status_code == 401


def test_cannot_vote_on_own_post(world, api, make):
    thread_id = make.thread(world["asker"])
    response = api.call("POST", f"/api/v1/threads/{thread_id}/vote", api.token("alice"), json={"value": 1})
    assert response.status_code == 403 and error_code(response) == "forbidden"


@pytest.mark.parametrize("value", [2, "1", True, None, 1.5])
def test_bad_vote_values_are_400(world, api, make, value):
    thread_id = make.thread(world["asker"])
    response = api.call("POST", f"/api/v1/threads/{thread_id}/vote", api.token("bob"), json={"value": value})
    assert response.status_code == 400


def test_accept_rules(world, api, make):
    first = make.thread(world["asker"])
    other = make.thread(world["asker"], title="Scanner not found on Windows")
    foreign_answer = make.answer(world["helper"], other)
    own_answer = make.answer(world["helper"], first)
    alice, bob = api.token("alice"), api.token("bob")
    response = api.call("POST", f"/api/v1/threads/{first}/accept", alice, json={"answer_id": foreign_answer})
    assert response.status_code == 400 and "answer_id" in response.get_json()["error"]["fields"]
    response = api.call("POST", f"/api/v1/threads/{first}/accept", bob, json={"answer_id": own_answer})
    assert response.status_code == 403
    assert api.call("POST", f"/api/v1/threads/{first}/accept", alice, json={"answer_id": "x"}).status_code == 400
    assert api.call("POST", f"/api/v1/threads/{first}/accept", alice, json={"answer_id": 10**30}).status_code == 400
    assert api.call("DELETE", f"/api/v1/threads/{first}/accept", alice).status_code == 400


def test_staff_answer_is_official(world, api, make):
    make.user("sam", role="staff")
    thread_id = make.thread(world["asker"])
    answer = api.call("POST", f"/api/v1/threads/{thread_id}/answers", api.token("sam"),
                      json={"body": "We are fixing this today."}).get_json()
    assert answer["is_staff"] is True


def test_list_filters_sorts_and_pages(world, api, make):
    ids = [make.thread(world["asker"], title=f"Printer question number {n}") for n in range(5)]
    make.thread(world["asker"], title="Invoice shows VAT twice", category="billing", tags=("invoice",))
    make.answer(world["helper"], ids[0])
    listing = api.call("GET", "/api/v1/threads?category=printers&per_page=2&page=2&sort=newest").get_json()
    assert listing["total"] == 5 and listing["pages"] == 3 and listing["page"] == 2
    assert [item["id"] for item in listing["items"]] == [ids[2], ids[1]]
    assert api.call("GET", "/api/v1/threads?tag=invoice").get_json()["total"] == 1
    answered = api.call("GET", "/api/v1/threads?status=answered").get_json()
    assert [item["id"] for item in answered["items"]] == [ids[0]]
    for bad in ("status=nope", "sort=sideways", "page=0", "page=abc", "per_page=-1"):
        response = api.call("GET", f"/api/v1/threads?{bad}")
        assert response.status_code == 400, bad
    assert api.call("GET", "/api/v1/threads?per_page=5000").get_json()["per_page"] == 100


def test_every_filter_together_and_the_vote_order(world, app, api, make):
    """Each combination of filters is a statement of its own (thread_reading.list_statements): the fullest one."""
    wanted = make.thread(world["asker"], title="Printer drops Wi-Fi after sleep", tags=("wifi", "p200"))
    liked = make.thread(world["asker"], title="Printer drops Wi-Fi at night", tags=("wifi",))
    other_category = make.thread(world["asker"], title="Scanner drops Wi-Fi too", category="billing", tags=("wifi",))
    other_tag = make.thread(world["asker"], title="Printer jams on thick paper", tags=("p200",))
    make.thread(world["asker"], title="Printer drops Wi-Fi when printing", tags=("wifi",))  # unanswered
    for thread_id in (wanted, liked, other_category, other_tag):
        make.answer(world["helper"], thread_id)
    with app.app_context():
        db.session.execute(update(Thread).where(Thread.id == liked).values(score=3))
        db.session.commit()
    listing = api.call("GET", "/api/v1/threads?category=printers&tag=WIFI&status=answered&sort=votes").get_json()
    assert [item["id"] for item in listing["items"]] == [liked, wanted]
    assert listing["items"][1]["tags"] == ["p200", "wifi"]
    assert api.call("GET", "/api/v1/threads?category=printers&tag=wifi&status=resolved").get_json()["items"] == []


def test_categories_and_missing_things(world, api):
    slugs = [item["slug"] for item in api.call("GET", "/api/v1/categories").get_json()["items"]]
    assert slugs == ["billing", "printers"]
    assert api.call("GET", "/api/v1/threads/999999").status_code == 404
    assert error_code(api.call("GET", "/api/v1/users/nobody")) == "not_found"
    assert api.call("GET", "/api/v1/nothing-here").status_code == 404
