"""Bulk-seed a Peerdesk database with a large, believable forum.

The services (`posting.ask`, `posting.answer`…) render, commit, emit and
enqueue once per post: right for users, far too slow for 120,000 posts. The
seeder writes the same rows the services would write, in bulk with
SQLAlchemy Core, and renders Markdown through `app.markup` for a few
hundred distinct bodies that posts then share: the stored HTML is exactly
what the app would have stored, at a fraction of the cost.

Shared by the bench scripts (forum, SLA sweep, search), hence a module.
"""
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, insert, text, update
from werkzeug.security import generate_password_hash

from app.domain.business_hours import sla_due_at
from app.domain.timeline_kinds import EventKind
from app.extensions import db
from app.markup import render_markdown
from app.models import Answer, Category, Role, Tag, Thread, ThreadEvent, ThreadStatus, User, Vote, thread_tags
from corpus import TextGenerator

CATEGORIES = [
    ("billing", "Billing & invoices", 240, 120, 3),
    ("printers", "Printers & scanners", 240, 120, 5),
    ("account", "Account & login", 120, 60, 4),
    ("shipping", "Shipping & delivery", 480, 240, 3),
    ("mobile-app", "Mobile app", 240, 120, 2),
    ("integrations", "Integrations & API", 720, 240, 1),
]
FIRST_NAMES = """alice bob carla dmitri elena farid greta hiro ines jonas kemal lena marta nils olga pedro quinn
rosa sven tariq ulla viktor wanda xavier yara zoe anke bruno chen daria emil fatima gustav hana ivan jana
kofi lars mei noah oskar priya rafael sara tomas uma vera wen yusuf""".split()
BODY_POOL_SIZE = 400
INSERT_BATCH = 2_000
THREADS_PER_CHUNK = 2_000
STAFF_COUNT = 10
RESOLVED_SHARE = 0.45
SEED_SPAN_DAYS = 365


@dataclass(frozen=True)
class SeedSize:
    threads: int = 20_000
    answers_per_thread: int = 5
    users: int = 200
    tags: int = 120
    seed: int = 2026


@dataclass
class SeedReport:
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    vocabulary: int = 0

    def count(self, table: str, added: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + added

    def summary(self) -> str:
        counts = ", ".join(f"{table} {n:,}" for table, n in self.rows.items())
        return f"seeded in {self.seconds:.1f}s ({counts}; vocabulary {self.vocabulary:,} words)"


@dataclass
class _Person:
    id: int
    is_staff: bool


@dataclass
class _Chunk:
    """Rows for a run of consecutive threads, in foreign-key order."""

    threads: list[dict] = field(default_factory=list)
    thread_tags: list[dict] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)
    votes: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    accepted: list[dict] = field(default_factory=list)


class ForumSeeder:
    """Generates the forum deterministically from `SeedSize.seed` and writes it in batches."""

    def __init__(self, size: SeedSize, now: datetime | None = None):
        self.size = size
        self.rng = random.Random(size.seed)
        self.text = TextGenerator(self.rng)
        self.now = now or datetime.now(timezone.utc).replace(microsecond=0)
        self.start = self.now - timedelta(days=SEED_SPAN_DAYS)
        self.people: list[_Person] = []
        self.category_ids: list[int] = []
        self.category_weights: list[int] = []
        self.category_sla: dict[int, int] = {}
        self.thread_counts: dict[int, int] = {}
        self.question_bodies = self._body_pool(question=True)
        self.answer_bodies = self._body_pool(question=False)
        self.tag_count = 0
        self.next_answer_id = 1

    def _body_pool(self, question: bool) -> list[tuple[str, str]]:
        """Distinct (source, html) pairs: rendering 120,000 bodies would dominate the seeding time."""
        return [(source, render_markdown(source))
                for source in (self.text.markdown_body(question) for _ in range(BODY_POOL_SIZE))]

    # -- fixed tables -----------------------------------------------------------------------------

    def users(self) -> list[dict]:
        password_hash = generate_password_hash("peerdesk-bench")
        rows = []
        for user_id in range(1, self.size.users + 1):
            role = (Role.ADMIN if user_id == 1 else Role.MODERATOR if user_id <= 3
                    else Role.STAFF if user_id <= STAFF_COUNT else Role.MEMBER).value
            name = f"{FIRST_NAMES[user_id % len(FIRST_NAMES)]}{'.staff' if role != 'member' else ''}{user_id}"
            joined = self.start - timedelta(days=self.rng.randint(0, 700))
            rows.append({"id": user_id, "username": name, "email": f"{name}@example.com",
                         "password_hash": password_hash, "role": role, "reputation": 1, "created_at": joined})
            self.people.append(_Person(user_id, is_staff=role != Role.MEMBER.value))
        return rows

    def categories(self) -> list[dict]:
        rows = []
        for position, (slug, name, sla, staff, weight) in enumerate(CATEGORIES, start=1):
            rows.append({"id": position, "slug": slug, "name": name, "description": f"Questions about {name.lower()}.",
                         "position": position, "sla_minutes": sla, "staff_response_minutes": staff,
                         "thread_count": 0})
            self.category_ids.append(position)
            self.category_weights.append(weight)
            self.category_sla[position] = sla
        return rows

    def tags(self) -> list[dict]:
        words = self.text.words
        candidates = sorted({w.lower() for kind in ("product", "noun") for w in words[kind] if len(w) <= 32})
        names = self.rng.sample(candidates, min(self.size.tags, len(candidates)))
        self.tag_count = len(names)
        return [{"id": tag_id, "name": name} for tag_id, name in enumerate(sorted(names), start=1)]

    # -- threads and everything hanging off them ------------------------------------------------------

    def chunk(self, first_id: int, count: int) -> _Chunk:
        chunk = _Chunk()
        span = (self.now - self.start).total_seconds()
        total = self.size.threads
        for thread_id in range(first_id, first_id + count):
            # Ids grow with time, as in a real forum; a little jitter keeps the times irregular.
            created = self.start + timedelta(seconds=span * (thread_id - 1) / total * 0.97
                                             + self.rng.uniform(0, span * 0.03 / total))
            self._thread(chunk, thread_id, created.replace(microsecond=0))
        return chunk

    def _thread(self, chunk: _Chunk, thread_id: int, created: datetime) -> None:
        rng = self.rng
        author = self._asker()
        category_id = rng.choices(self.category_ids, weights=self.category_weights)[0]
        self.thread_counts[category_id] = self.thread_counts.get(category_id, 0) + 1
        source, html = rng.choice(self.question_bodies)
        row = {
            "id": thread_id, "title": self.text.title(), "body_source": source, "body_html": html,
            "category_id": category_id, "author_id": author.id, "status": ThreadStatus.UNANSWERED.value,
            "visibility": "visible", "created_at": created, "last_activity_at": created,
            "sla_due_at": sla_due_at(created, self.category_sla[category_id], None),
            "first_response_at": None, "first_staff_response_at": None, "resolved_at": None,
            "score": self._votes(chunk, author, {"thread_id": thread_id}, on_answer=False, at=created),
            "answer_count": self.size.answers_per_thread, "view_count": rng.randint(5, 4000),
            "needs_staff": False, "priority": 0, "extra_search_terms": "", "helpful_yes": 0, "helpful_no": 0,
        }
        chunk.threads.append(row)
        chunk.events.append(self._event(thread_id, EventKind.CREATED, author.id, created))
        for tag_id in rng.sample(range(1, self.tag_count + 1), rng.randint(1, 4)):
            chunk.thread_tags.append({"thread_id": thread_id, "tag_id": tag_id})
        answers = [self._answer(chunk, row, author) for _ in range(self.size.answers_per_thread)]
        self._settle(chunk, row, [answer for answer, by in answers if by is not author], author)

    def _asker(self) -> _Person:
        """Members ask almost every question; staff occasionally post announcements-as-questions."""
        if self.rng.random() < 0.03:
            return self.rng.choice(self.people[:STAFF_COUNT])
        return self.rng.choice(self.people[STAFF_COUNT:])

    def _answer(self, chunk: _Chunk, thread: dict, asker: _Person) -> tuple[dict, _Person]:
        rng = self.rng
        at = thread["last_activity_at"] + timedelta(minutes=int(rng.expovariate(1 / 180)) + 1)
        thread["last_activity_at"] = at
        by_asker = rng.random() < 0.1
        author = asker if by_asker else self._other_than(asker, staff_share=0.2)
        source, html = rng.choice(self.answer_bodies)
        answer_id, self.next_answer_id = self.next_answer_id, self.next_answer_id + 1
        row = {"id": answer_id, "thread_id": thread["id"], "author_id": author.id, "body_source": source,
               "body_html": html, "is_staff": author.is_staff, "visibility": "visible", "created_at": at}
        row["score"] = self._votes(chunk, author, {"answer_id": answer_id}, on_answer=True, at=at)
        chunk.answers.append(row)
        chunk.events.append(self._event(thread["id"], EventKind.ANSWERED, author.id, at, {
            "answer_id": answer_id, "staff": author.is_staff, "by_asker": by_asker}))
        if not by_asker:
            thread["first_response_at"] = thread["first_response_at"] or at
            thread["status"] = ThreadStatus.ANSWERED.value
            if author.is_staff:
                thread["first_staff_response_at"] = thread["first_staff_response_at"] or at
        return row, author

    def _settle(self, chunk: _Chunk, thread: dict, candidates: list[dict], asker: _Person) -> None:
        """Accept the best answer of someone else on a share of threads: the thread becomes resolved."""
        if not candidates or self.rng.random() >= RESOLVED_SHARE:
            return
        chosen = max(candidates, key=lambda answer: answer["score"])
        at = thread["last_activity_at"] + timedelta(minutes=self.rng.randint(5, 3000))
        thread.update(status=ThreadStatus.RESOLVED.value, resolved_at=at, last_activity_at=at)
        chunk.accepted.append({"target_id": thread["id"], "chosen_id": chosen["id"]})
        chunk.events.append(self._event(thread["id"], EventKind.ACCEPTED, asker.id, at,
                                        {"answer_id": chosen["id"]}))

    def _other_than(self, person: _Person, staff_share: float) -> _Person:
        pool = self.people[:STAFF_COUNT] if self.rng.random() < staff_share else self.people[STAFF_COUNT:]
        while True:
            other = self.rng.choice(pool)
            if other is not person:
                return other

    def _votes(self, chunk: _Chunk, author: _Person, target: dict, on_answer: bool, at: datetime) -> int:
        """A few votes per post, mostly up, one per voter; returns the score they add up to."""
        count = min(int(self.rng.expovariate(1 / 1.6)), 15)
        voters = [voter for voter in self.rng.sample(self.people, count + 1) if voter is not author][:count]
        score = 0
        for voter in voters:
            value = 1 if self.rng.random() < 0.85 else -1
            score += value
            chunk.votes.append({"user_id": voter.id, "thread_id": target.get("thread_id"),
                                "answer_id": target.get("answer_id"), "value": value, "created_at": at})
        return score

    @staticmethod
    def _event(thread_id: int, kind: str, actor_id: int, at: datetime, detail: dict | None = None) -> dict:
        return {"thread_id": thread_id, "actor_id": actor_id, "kind": str(kind), "created_at": at,
                "detail": detail, "is_internal": False}


def _insert(connection, table, rows: list[dict], report: SeedReport) -> None:
    for start in range(0, len(rows), INSERT_BATCH):
        connection.execute(insert(table), rows[start:start + INSERT_BATCH])
    report.count(table.name, len(rows))


def _write_chunk(connection, chunk: _Chunk, report: SeedReport) -> None:
    """Insert parents before children; accepted answers last, since threads and answers point at each other."""
    _insert(connection, Thread.__table__, chunk.threads, report)
    _insert(connection, thread_tags, chunk.thread_tags, report)
    _insert(connection, Answer.__table__, chunk.answers, report)
    _insert(connection, Vote.__table__, chunk.votes, report)
    _insert(connection, ThreadEvent.__table__, chunk.events, report)
    if chunk.accepted:
        threads = Thread.__table__
        connection.execute(update(threads).where(threads.c.id == bindparam("target_id"))
                           .values(accepted_answer_id=bindparam("chosen_id")), chunk.accepted)


def _finish(connection, seeder: ForumSeeder) -> None:
    """Totals that depend on every chunk, and PostgreSQL sequences moved past the explicit ids."""
    categories = Category.__table__
    connection.execute(update(categories).where(categories.c.id == bindparam("category"))
                       .values(thread_count=bindparam("threads")),
                       [{"category": c, "threads": n} for c, n in seeder.thread_counts.items()])
    if connection.dialect.name == "postgresql":
        for table in ("users", "categories", "tags", "threads", "answers", "votes", "thread_events"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"COALESCE((SELECT max(id) FROM {table}), 1))"))


def seed_forum(size: SeedSize) -> SeedReport:
    """Create the schema and fill it; call inside an app context bound to an empty database."""
    started = time.perf_counter()
    report = SeedReport()
    db.create_all()
    seeder = ForumSeeder(size)
    report.vocabulary = seeder.text.size
    with db.engine.begin() as connection:
        _insert(connection, User.__table__, seeder.users(), report)
        _insert(connection, Category.__table__, seeder.categories(), report)
        _insert(connection, Tag.__table__, seeder.tags(), report)
    for first_id in range(1, size.threads + 1, THREADS_PER_CHUNK):
        chunk = seeder.chunk(first_id, min(THREADS_PER_CHUNK, size.threads - first_id + 1))
        with db.engine.begin() as connection:
            _write_chunk(connection, chunk, report)
    with db.engine.begin() as connection:
        _finish(connection, seeder)
    if db.engine.dialect.name == "postgresql":
        # Autovacuum would have analysed a production database long ago; SQLite has no such
        # habit and Peerdesk runs no ANALYZE, so SQLite is measured without statistics.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    report.seconds = time.perf_counter() - started
    return report
