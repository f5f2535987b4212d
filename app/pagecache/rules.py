"""Which pages the visitor cache may hold, and which changes make each one stale.

A cached page carries tags; a change bumps the generation of the tags it
touches, and an entry built under an older generation is never served
again. Only pages listed here are cached: a page whose dependencies are not
written down here (search results follow the indexer, not the commit;
profiles show reputation that any vote moves) is always rendered.
"""
#: Every cached page: announcements, categories, tag names, usernames and roles appear on all of them.
EVERYWHERE = "all"
#: Thread lists and counts: any thread's change may reorder or recount them.
LISTS = "lists"

THREAD_PAGES = frozenset({"forum.thread", "api.get_thread"})
LIST_PAGES = frozenset({"forum.index", "forum.threads", "api.list_threads", "api.categories"})


def thread_tag(thread_id: int) -> str:
    return f"thread:{thread_id}"


def tags_for_page(endpoint: str | None, view_args: dict) -> tuple[str, ...] | None:
    """The tags a page depends on, or None when the page must never be cached."""
    if endpoint in THREAD_PAGES:
        return EVERYWHERE, thread_tag(view_args["thread_id"])
    if endpoint in LIST_PAGES:
        return EVERYWHERE, LISTS
    return None


def tags_for_thread_change(thread_id: int) -> tuple[str, ...]:
    """A thread's page, and every list that shows its score, answer count, status or activity."""
    return thread_tag(thread_id), LISTS
