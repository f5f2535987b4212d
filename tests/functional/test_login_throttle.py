"""Guessing one account's password is throttled per account, across addresses and login routes."""
import statistics
import threading
import time

import pytest

from tests.conftest import PASSWORD


@pytest.fixture()
def alice(make):
    return make.user("alice")


def form_login(client, password, address="127.0.0.1", login="alice"):
    return client.post("/auth/login", data={"login": login, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def api_login(client, password, address="127.0.0.1", login="alice"):
    return client.post("/api/v1/tokens", auth=(login, password), environ_base={"REMOTE_ADDR": address})


def test_forty_addresses_do_not_get_forty_guesses(client, alice, frozen_clock):
    answers = [form_login(client, f"wrong-guess-{n}", f"127.0.0.{n + 1}").status_code for n in range(40)]
    assert answers[:5] == [400] * 5
    assert answers[5:] == [429] * 35
    refused = form_login(client, PASSWORD, "127.0.0.99")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many failed logins for this account" in refused.get_data(as_text=True)
    frozen_clock.advance(seconds=int(refused.headers["Retry-After"]))
    assert form_login(client, PASSWORD, "127.0.0.99").status_code == 302


def test_the_wait_doubles_with_each_failure_and_a_success_starts_afresh(client, alice, frozen_clock):
    for n in range(5):
        assert api_login(client, f"wrong-guess-{n}").status_code == 401
    waits = []
    for n in range(4):
        refused = api_login(client, "wrong-again")
        assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
        waits.append(int(refused.headers["Retry-After"]))
        frozen_clock.advance(seconds=waits[-1])
        assert api_login(client, "wrong-again").status_code == 401
    assert waits == [2, 4, 8, 16]
    frozen_clock.advance(seconds=32)
    assert api_login(client, PASSWORD).status_code == 201
    assert [api_login(client, "wrong-guess").status_code for _ in range(6)] == [401] * 5 + [429]


def test_the_form_and_the_api_share_one_count(client, alice, frozen_clock):
    for n in range(3):
        assert form_login(client, f"wrong-{n}").status_code == 400
    for n in range(2):
        assert api_login(client, f"wrong-{n}").status_code == 401
    assert api_login(client, PASSWORD).status_code == 429
    assert form_login(client, PASSWORD, login="alice@example.com").status_code == 429, "the e-mail is the same account"


def test_an_unknown_name_is_throttled_exactly_like_a_real_one(client, alice, frozen_clock):
    real = [api_login(client, "wrong-guess", login="alice").status_code for _ in range(7)]
    unknown = [api_login(client, "wrong-guess", login="nobody-here").status_code for _ in range(7)]
    assert real == unknown == [401] * 5 + [429] * 2


def test_guesses_sent_at_once_get_no_more_than_the_free_tries(app, alice):
    barrier = threading.Barrier(20)
    statuses = []

    def guess(n):
        client = app.test_client()
        barrier.wait()
        statuses.append(api_login(client, f"wrong-guess-{n}", f"10.0.0.{n}").status_code)

    workers = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert len(statuses) == 20 and statuses.count(401) <= 5 and statuses.count(429) >= 15


def _median_seconds(send, times=3):
    durations = []
    for _ in range(times):
        started = time.perf_counter()
        send()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def test_an_unknown_name_takes_as_long_as_a_real_one(client, alice, make):
    """Before: about 110 ms for a real name, 4-9 ms for an unknown one (only real users got a hash check)."""
    make.user("bob")
    api_login(client, "warm-up", login="bob")
    real = _median_seconds(lambda: api_login(client, "wrong-guess", login="bob"))
    unknown = _median_seconds(lambda: api_login(client, "wrong-guess", login="nobody-here"))
    assert 0.5 < unknown / real < 2, (real, unknown)
