"""New passwords: at least 12 characters, not breached, not easy to guess (ASVS 2.1.1, 2.1.7)."""
import pytest

from app.services import accounts
from tests.conftest import PASSWORD


@pytest.mark.parametrize("password", [
    "password1234", "Password1!", "qwertyuiop1", "PASSWORD1234", "iloveyou1234", "123456789012",
    "qwerty123456", "Password1234!", "P@ssw0rd1234", "aaaaaaaaaaaa", "abcdefghijkl",
])
def test_weak_or_breached_passwords_are_refused(ctx, password):
    assert accounts.password_problem(password, "newbie", "newbie@example.com") is not None


@pytest.mark.parametrize("password", [PASSWORD, "peerdesk-demo-2026", "quiet-harbour-lantern-42",
                                      "Tr0ub4dor&3-staple-cloud", "ü" * 6 + "ñ-😀-ß-東京-ok"])
def test_strong_passwords_pass(ctx, password):
    assert accounts.password_problem(password, "newbie", "newbie@example.com") is None


def test_the_breached_list_is_the_real_one(ctx):
    listed = accounts.breached_passwords()
    assert len(listed) >= 30000 and {"password1234", "qwertyuiop1", "qwerty123456"} <= listed


def test_the_username_and_address_do_not_count_as_strength(ctx):
    assert accounts.password_problem("margarethe-1987", "margarethe", "m@example.com") is not None
    assert accounts.password_problem("kowalczyk.zbigniew1", "zk", "kowalczyk.zbigniew@example.com") is not None


def test_very_long_passwords_are_judged_without_error(ctx):
    assert accounts.password_problem("correct horse " * 15, "newbie") is None
    assert accounts.password_problem("x" * 300, "newbie") is not None
