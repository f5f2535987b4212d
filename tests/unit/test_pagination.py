"""Page number windows: first, last, the neighbourhood of the current page, gaps as None."""
import pytest

from app.services.browsing import Page


@pytest.mark.parametrize("current, pages, expected", [
    (1, 1, [1]),
    (1, 3, [1, 2, 3]),
    (1, 10, [1, 2, 3, None, 10]),
    (5, 10, [1, None, 3, 4, 5, 6, 7, None, 10]),
    (4, 10, [1, 2, 3, 4, 5, 6, None, 10]),
    (10, 10, [1, None, 8, 9, 10]),
    (900, 1000, [1, None, 898, 899, 900, 901, 902, None, 1000]),
])
def test_page_numbers(current, pages, expected):
    assert Page(items=[], page=current, per_page=10, total=pages * 10).page_numbers(window=2) == expected


def test_an_inexact_total_still_offers_the_next_page():
    full = Page(items=list(range(10)), page=3, per_page=10, total=30, total_is_exact=False)
    assert full.has_next and full.pages == 3
    beyond = Page(items=list(range(10)), page=7, per_page=10, total=30, total_is_exact=False)
    assert beyond.pages == 7 and beyond.has_next
    last = Page(items=list(range(4)), page=7, per_page=10, total=30, total_is_exact=False)
    assert not last.has_next
