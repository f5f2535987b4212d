"""Support metrics through the API and the dashboard, on a hand-built scenario with known answers.

Timeline (minutes after 09:00 UTC, Monday 2 March 2026; window 60 min, staff target 30 min):
  0   T1, T2, T3 asked
  30  bob answers T1               (community response, inside the window)
  60  alice accepts T1             (resolved without staff)
  61  sweep escalates T2 and T3    (staff deadline 91)
  80  sam answers T2               (staff response in target)
  90  alice: "No, still not solved" on T2 (reopened, escalated again)
  100 sam answers T2 again
  110 alice: "Yes" on T2           (resolution confirmed)
  200 now: T3 never answered       (target missed; still in the queue)
"""
import pytest

from app.domain.timeline_kinds import EventKind
from app.extensions import db
from app.services import sla, timeline


@pytest.fixture()
def scenario(app, make, frozen_clock, client, auth):
    make.category("printers", sla_minutes=60, staff_response_minutes=30)
    make.category("billing")
    alice, bob, sam = make.user("alice"), make.user("bob"), make.user("sam", role="staff")
    t1 = make.thread(alice, title="Printer offline since Monday")
    t2 = make.thread(alice, title="Printer prints blank pages")
    t3 = make.thread(alice, title="Printer makes a loud noise")
    frozen_clock.advance(minutes=30)
    a1 = make.answer(bob, t1)
    frozen_clock.advance(minutes=30)
    auth.login("alice")
    client.post(f"/threads/{t1}/accept", data={"answer_id": a1})
    frozen_clock.advance(minutes=1)
    with app.app_context():
        assert sla.run_scheduled_work().escalated == [t2, t3]
    frozen_clock.advance(minutes=19)
    make.answer(sam, t2, body="Please reinstall the driver version 4.2.")
    frozen_clock.advance(minutes=10)
    assert client.post(f"/threads/{t2}/resolution-check", data={"solved": "no"}).status_code == 303
    frozen_clock.advance(minutes=10)
    make.answer(sam, t2, body="Then clean the print head from the tools menu.")
    frozen_clock.advance(minutes=10)
    assert client.post(f"/threads/{t2}/resolution-check", data={"solved": "yes"}).status_code == 303
    with app.app_context():       # the search area's deflection facts
        timeline.record(t1, EventKind.DEFLECTED, None, detail={"outcome": "left"})
        timeline.record(t3, EventKind.DEFLECTED, None, detail={"outcome": "posted"})
        timeline.record(t3, EventKind.DEFLECTED, None, detail={"outcome": "left"})
        db.session.commit()
    frozen_clock.advance(minutes=90)
    auth.logout()
    return {"threads": (t1, t2, t3)}


def test_metrics_api_on_the_known_scenario(scenario, api):
    token = api.token("sam")
    data = api.call("GET", "/api/v1/staff/metrics?from=2026-03-02&to=2026-03-02&category=printers", token).get_json()
    assert data["questions_asked"] == 3
    assert data["median_first_community_response_seconds"] == 1800
    assert data["p90_first_community_response_seconds"] == 1800
    assert data["median_first_staff_response_seconds"] == 4800
    assert data["community_before_sla_share"] == pytest.approx(1 / 3)
    assert data["self_service_rate"] == 0.5
    assert data["staff_target_compliance"] == 0.5
    assert data["open_queue_size"] == 1
    assert data["median_time_to_resolution_seconds"] == 5100
    assert data["reopened_count"] == 1
    assert data["deflection_rate"] == pytest.approx(2 / 3)
    assert data["daily"] == [{"day": "2026-03-02", "asked": 3, "resolved": 2, "escalated": 3}]
    other = api.call("GET", "/api/v1/staff/metrics?from=2026-03-02&to=2026-03-02&category=billing", token).get_json()
    assert other["questions_asked"] == 0 and other["median_first_staff_response_seconds"] is None


@pytest.mark.parametrize("query,field", [
    ("from=yesterday", "from"), ("to=2026-13-01", "to"), ("from=2026-03-05&to=2026-03-01", "from"),
    ("from=2020-01-01&to=2026-03-01", "from"), ("category=nope", "category"),
])
def test_bad_metric_parameters_are_400(scenario, api, query, field):
    response = api.call("GET", f"/api/v1/staff/metrics?{query}", api.token("sam"))
    assert response.status_code == 400 and field in response.get_json()["error"]["fields"]


def test_dashboard_page_shows_figures_and_the_chart(scenario, auth, client, count_queries):
    auth.login("sam")
    page = client.get("/staff/metrics?from=2026-03-02&to=2026-03-02&category=printers")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and "&lt;svg" not in html
    assert "50 %" in html and "33 %" in html
    assert client.get("/staff/metrics?from=bad").status_code == 400
