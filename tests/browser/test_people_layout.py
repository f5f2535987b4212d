"""Badges, leaderboards and reputation pages fit desktop and phone screens (screenshots on request)."""
import pytest

from tests.browser.test_layout import WIDTHS, check_page, member_state, shot_name  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
PAGES = ["/badges", "/leaderboard", "/leaderboard?period=all", "/users/layoutuser/reputation"]


@pytest.mark.parametrize("device", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_people_page_fits_the_screen(browser, live_server, member_state, device, path):  # noqa: F811
    state, _thread_path = member_state
    check_page(browser, live_server, path, state, device, shot_name("", path.replace("?", "-").replace("=", "-")))
