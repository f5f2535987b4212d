"""What every new text passes before it is stored: trust rules, watched words, repeats.

Refusals raise with the sentence the author sees; what passes comes back
as a `Screening` saying whether the post is held for review or flagged
automatically (watched words in "hold" and "flag" mode, pre-moderation of
a new member's first posts).
"""
import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app import policy
from app.extensions import db
from app.models import Answer, RecentPost, Thread, User, Visibility, WatchedWord, WatchedWordMode
from app.services.errors import NotAuthorised

LINK_OR_IMAGE = re.compile(r"<(a|img)\b", re.IGNORECASE)
NEAR_DUPLICATE = 0.7
SHINGLE_WORDS = 2
MAX_SHINGLES = 400


@dataclass
class Screening:
    hold: bool = False
    flag_words: list[str] = field(default_factory=list)
    fingerprint: str = ""
    shingles: list[int] = field(default_factory=list)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _shingles(words: list[str]) -> list[int]:
    """Hashes of every pair of neighbouring words: two texts sharing most of them say nearly the same."""
    runs = {" ".join(words[index:index + SHINGLE_WORDS]) for index in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    return sorted(int(hashlib.blake2b(run.encode(), digest_size=4).hexdigest(), 16) for run in runs)[:MAX_SHINGLES]


def _similar(first: list[int], second: list[int]) -> bool:
    a, b = set(first), set(second)
    return bool(a and b) and len(a & b) / len(a | b) >= NEAR_DUPLICATE


def watched_word_matches(text: str) -> list[tuple[WatchedWord, str]]:
    """Every watched word or pattern found in `text`, with what it matched."""
    found = []
    for word in db.session.scalars(select(WatchedWord).order_by(WatchedWord.id)):
        pattern = word.pattern if word.is_regex else r"(?<!\w)" + re.escape(word.pattern) + r"(?!\w)"
        try:
            match = re.search(pattern, text, re.IGNORECASE)
        except re.error:
            continue
        if match:
            found.append((word, match.group(0)))
    return found


def _posts_written(author: User) -> int:
    return db.session.scalar(select(
        select(func.count(Thread.id)).where(Thread.author_id == author.id,
                                            Thread.visibility != Visibility.DELETED.value).scalar_subquery()
        + select(func.count(Answer.id)).where(Answer.author_id == author.id,
                                              Answer.visibility != Visibility.DELETED.value).scalar_subquery())) or 0


def _check_pace(author: User, now) -> None:
    """New members write at most NEW_MEMBER_POSTS_PER_HOUR posts an hour (one count query, level 0 only)."""
    if policy.trust_level(author) != 0:
        return
    since = now - timedelta(hours=1)
    written = db.session.scalar(select(
        select(func.count(Thread.id)).where(Thread.author_id == author.id, Thread.created_at > since)
        .scalar_subquery()
        + select(func.count(Answer.id)).where(Answer.author_id == author.id, Answer.created_at > since)
        .scalar_subquery()))
    policy.can_post_now(author, written or 0).enforce()


def screen(author: User, text: str, html: str, now, *, new_post: bool = True) -> Screening:
    """Refuse or pass a text; `new_post` False for edits (no pace, no repeat or pre-moderation rules)."""
    if LINK_OR_IMAGE.search(html):
        policy.can_post_links(author).enforce()
    result = Screening()
    for word, matched in watched_word_matches(text):
        if word.mode == WatchedWordMode.BLOCK.value:
            raise NotAuthorised(word.message or _("Your post contains “%(word)s”, which is not allowed here.",
                                                  word=matched))
        if word.mode == WatchedWordMode.HOLD.value:
            result.hold = True
        else:
            result.flag_words.append(matched)
    if not new_post:
        return result
    _check_pace(author, now)
    words = _words(text)
    result.fingerprint = hashlib.sha256(" ".join(words).encode()).hexdigest()
    result.shingles = _shingles(words)
    window = _repeat_window()
    for fingerprint, shingles in () if not window else db.session.execute(
            select(RecentPost.fingerprint, RecentPost.shingles)
            .where(RecentPost.user_id == author.id, RecentPost.created_at > now - window)):
        if fingerprint == result.fingerprint or _similar(shingles, result.shingles):
            raise NotAuthorised(_("You posted this text, or nearly the same, within the last hour. "
                                  "Please edit your earlier post instead of posting it again."))
    if policy.holds_for_review(author, lambda: _posts_written(author)):
        result.hold = True
    return result


def _repeat_window() -> timedelta:
    """REPEAT_TEXT_WINDOW_MINUTES (60 by default; 0 switches the repeat check off)."""
    return timedelta(minutes=current_app.config.get("REPEAT_TEXT_WINDOW_MINUTES", 60))


def remember(author: User, screening: Screening, now) -> None:
    """Keep the text's fingerprint for the repeat window (older rows of this author are dropped on the way)."""
    window = _repeat_window()
    if not window:
        return
    db.session.execute(delete(RecentPost).where(RecentPost.user_id == author.id,
                                                RecentPost.created_at <= now - window))
    db.session.add(RecentPost(user_id=author.id, fingerprint=screening.fingerprint, shingles=screening.shingles,
                              created_at=now))
