"""Absurd ids and page numbers are 404/400 answers, never a driver overflow (500)."""
import pytest


@pytest.fixture()
def staff_client(client, make, auth):
    make.user("sam", role="staff")
    auth.login("sam")
    return client


@pytest.mark.parametrize("url, status", [
    ("/?page=99999999999999999999", 400),
    ("/?page=0", 400),
    ("/api/v1/threads?page=99999999999999999999", 400),
    ("/api/v1/threads?per_page=99999999999999999999", 400),
    ("/threads/99999999999999999999999", 404),
    ("/threads/0", 404),
    ("/api/v1/threads/99999999999999999999", 404),
    ("/api/v1/answers/99999999999999999999/vote", 404),
    ("/staff/?page=99999999999999999999", 400),
    ("/notifications?page=99999999999999999999", 400),
    ("/notifications?page=abc", 400),
])
def test_absurd_numbers_are_client_errors(staff_client, url, status):
    method = "POST" if url.endswith("/vote") else "GET"
    assert staff_client.open(url, method=method).status_code == status
