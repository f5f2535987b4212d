"""Reputation and badges where people see them: pages, API, CLI, German, constant queries."""
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from app import clock
from app.domain.badges import BADGES
from app.extensions import db
from app.models import BadgeAward, ReputationEvent, User
from app.services import posting, resolution, voting
from tests.functional.test_query_counts import queries_for


@pytest.fixture()
def community(app, make, frozen_clock):
    make.category("printers")
    make.category("billing")
    people = {name: make.user(name) for name in ("alice", "bob", "carla")}
    people["sam"] = make.user("sam", role="staff")
    thread = make.thread(people["alice"])
    answer = make.answer(people["bob"], thread)
    staff_answer = make.answer(people["sam"], thread)
    with app.app_context():
        carla = db.session.get(User, people["carla"].id)
        voting.vote_answer(carla, posting.visible_answer(answer), 1)
        voting.vote_answer(carla, posting.visible_answer(staff_answer), 1)
        resolution.accept(db.session.get(User, people["alice"].id), posting.visible_thread(thread), answer)
    return {"people": people, "thread": thread, "answer": answer}


def test_reputation_and_badge_counts_beside_author_names(client, community):
    page = client.get(f"/threads/{community['thread']}").get_data(as_text=True)
    assert 'class="standing"' in page
    assert "Reputation 31" in page  # bob: +10 upvote, +15 accepted, +5 community save
    assert page.count('class="standing"') == 2  # alice and bob; staff show their role instead


def test_profile_shows_chart_badges_with_posts_and_community_saves(client, community):
    page = client.get("/users/bob").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'role="img"' in page
    for name in ("Helper", "Solver"):
        assert name in page
    assert f'href="/threads/{community["thread"]}#answer-{community["answer"]}"' in page
    assert "Community saves" in page
    assert client.get("/users/bob/reputation").status_code == 200
    assert client.get("/users/bob/reputation?page=x").status_code == 400
    assert client.get("/users/nobody/reputation").status_code == 404


def test_badges_page_lists_every_badge_with_holders_and_recent_earners(client, community):
    page = client.get("/badges").get_data(as_text=True)
    for badge in BADGES:
        assert f'id="badge-{badge.slug}"' in page
    assert "1 member holds it" in page
    assert '<img' not in page
    assert "+15" in page  # the rules table


def test_leaderboard_periods_categories_and_no_staff(client, community, frozen_clock):
    page = client.get("/leaderboard?period=week").get_data(as_text=True)
    assert "bob" in page and ">sam<" not in page
    assert "bob" in client.get("/leaderboard?period=all&category=printers").get_data(as_text=True)
    assert "bob" not in client.get("/leaderboard?period=all&category=billing").get_data(as_text=True)
    frozen_clock.advance(days=8)
    assert "bob" not in client.get("/leaderboard?period=week").get_data(as_text=True)
    assert "bob" in client.get("/leaderboard?period=month").get_data(as_text=True)
    assert client.get("/leaderboard?period=year").status_code == 400


def test_api_user_badges_ledger_and_leaderboard(client, community):
    user = client.get("/api/v1/users/bob").get_json()
    assert user["reputation"] == 31 and user["community_saves"] == 1
    slugs = {badge["slug"] for badge in user["badges"]}
    assert {"helper", "solver"} <= slugs
    solver = next(badge for badge in user["badges"] if badge["slug"] == "solver")
    assert solver["tier"] == "bronze" and solver["awarded_at"] and solver["post"]["answer_id"] == community["answer"]

    catalogue = client.get("/api/v1/badges").get_json()["items"]
    assert len(catalogue) == len(BADGES) and {"slug", "name", "tier", "description", "holders"} <= set(catalogue[0])

    ledger = client.get("/api/v1/users/bob/reputation?per_page=2").get_json()
    assert ledger["total"] == 3 and ledger["pages"] == 2 and len(ledger["items"]) == 2
    assert sum(item["delta"] for item in client.get("/api/v1/users/bob/reputation").get_json()["items"]) == 30

    board = client.get("/api/v1/leaderboard?period=all&category=printers").get_json()
    assert [item["username"] for item in board["items"]] == ["bob", "alice"]
    assert client.get("/api/v1/leaderboard?period=never").status_code == 400
    assert client.get("/api/v1/users/bob/reputation?page=0").status_code == 400


def test_german_badge_names_and_descriptions(client, community):
    page = client.get("/badges", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Abzeichen" in page and "Helfer" in page and "Säule der Community" in page
    assert "So funktioniert Reputation" in page
    names = {item["slug"]: item["name"] for item in
             client.get("/api/v1/badges", headers={"Accept-Language": "de"}).get_json()["items"]}
    assert names["quick-draw"] == "Schnellschuss"


def test_cli_recompute_and_backfill(app, runner, community):
    with app.app_context():
        db.session.execute(User.__table__.update().where(User.username == "bob").values(reputation=5))
        db.session.execute(BadgeAward.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["reputation", "recompute"])
    assert result.exit_code == 0 and "bob" in result.output and "stored 5, ledger 31" in result.output
    assert "0 user(s) differed" in runner.invoke(args=["reputation", "recompute"]).output
    result = runner.invoke(args=["badges", "backfill"])
    assert result.exit_code == 0 and "helper: +1" in result.output
    assert "0 badge(s) awarded" in runner.invoke(args=["badges", "backfill"]).output


def test_import_history_writes_the_ledger_for_votes_made_before_it(app, runner, community):
    with app.app_context():
        db.session.execute(ReputationEvent.__table__.delete())
        db.session.execute(User.__table__.update().values(reputation=1))
        db.session.commit()
    result = runner.invoke(args=["reputation", "import-history"])
    assert result.exit_code == 0 and "Wrote 4 ledger row(s)" in result.output
    assert "Wrote 0 ledger row(s)" in runner.invoke(args=["reputation", "import-history"]).output
    with app.app_context():
        assert db.session.scalar(select(User.reputation).where(User.username == "bob")) == 31
        assert db.session.scalar(select(User.reputation).where(User.username == "alice")) == 3


def test_profile_with_500_badges_costs_the_same_queries_as_with_one(app, client, community, count_queries):
    one = queries_for(client, count_queries, "/users/carla")
    with app.app_context():
        carla = community["people"]["carla"].id
        start = clock.now()
        db.session.execute(insert(BadgeAward), [
            {"user_id": carla, "badge": "explainer", "tier": "bronze", "post_key": n + 1,
             "thread_id": community["thread"], "answer_id": community["answer"],
             "awarded_at": start - timedelta(minutes=n)} for n in range(500)])
        db.session.commit()
    assert queries_for(client, count_queries, "/users/carla") == one
    assert queries_for(client, count_queries, "/api/v1/users/carla") == queries_for(
        client, count_queries, "/api/v1/users/bob")


def test_thread_with_50_answerers_costs_constant_queries(app, client, make, community, count_queries):
    few = queries_for(client, count_queries, f"/threads/{community['thread']}")
    thread = make.thread(community["people"]["alice"], title="Printer question with fifty answerers")
    with app.app_context():
        db.session.add_all([User(username=f"helper{n}", email=f"helper{n}@example.com", password_hash="x",
                                 reputation=n + 1, bronze_badges=n % 3, silver_badges=n % 2, gold_badges=n % 5 == 0)
                            for n in range(50)])
        db.session.commit()
        target = posting.visible_thread(thread)
        for n in range(50):
            posting.answer(db.session.scalar(select(User).where(User.username == f"helper{n}")), target,
                           f"Answer number {n} with enough text.")
    assert queries_for(client, count_queries, f"/threads/{thread}") == few


def test_badges_and_accepted_answers_arrive_as_notifications(app, client, auth, community):
    from app.models import Notification

    with app.app_context():
        rows = db.session.execute(select(Notification.kind, Notification.detail)
                                  .where(Notification.user_id == community["people"]["bob"].id)).all()
        assert "answer_accepted" in {kind for kind, _detail in rows}
        assert {detail["badge"] for kind, detail in rows if kind == "badge_awarded"} == {"helper", "solver",
                                                                                          "quick-draw"}
    auth.login("bob")
    page = client.get("/notifications").get_data(as_text=True)
    assert "You earned the badge “Quick Draw”." in page  # the badge's name, not its slug
    german = client.get("/notifications", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "„Schnellschuss“" in german
