"""The search backend on PostgreSQL full-text search, shared by every process on every machine.

Each searchable thread is one row of ``search_documents`` (app/models/search.py,
migration 0005_search_documents) whose ``vector`` holds its words weighted by where they stand
(ranking.SECTION_LETTERS: title A, tags B, question and accepted answer C, other
answers D), each word under its English and its German stem with accents folded
(the text search configurations peerdesk_english and peerdesk_german), with a
GIN index. Searches rank with ``ts_rank`` times the thread's standing boost
(resolved, accepted answer), exactly counted; snippets come from
``ts_headline`` over the short highlight source, escaped here; "did you mean"
looks for the closest words of ``search_words`` with ``pg_trgm``.

Unlike the Whoosh backend, writes need no single writer: ``write`` runs in the
transaction of the change itself (app/services/search.py), under a
per-thread advisory lock, so two changes to one thread cannot leave the
older document behind, and a rolled-back change leaves none.
"""

import html
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime, time, timezone

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from .analysis import STOP_WORDS
from .backend import InTransactionBackend, SearchHit, SearchPage, SearchQuery, ThreadDocument
from .postgres_query import ParsedQuery, parse
from .querying import SIMILAR_ALWAYS_RARE, SIMILAR_MAX_THREAD_SHARE, SIMILAR_TERMS
from .ranking import SECTION_WEIGHTS, STANDING_BOOSTS, standing
from .text import EXCERPT_CHARS, clean_text, excerpt, highlight_source

logger = logging.getLogger(__name__)

LANGUAGES = ("peerdesk_english", "peerdesk_german")
# ts_rank's weights for D, C, B, A: the section weights relative to the title's.
RANK_WEIGHTS = "{%s}" % ",".join(
    f"{SECTION_WEIGHTS[section] / SECTION_WEIGHTS['title']:.4f}" for section in ("answers", "question", "tags", "title")
)
_STANDING_BOOST = "CASE standing " + " ".join(
    f"WHEN {level} THEN {boost}" for level, boost in STANDING_BOOSTS.items()) + " END"
# A thread's text is cut to this many characters per section before indexing:
# a tsvector holds at most 1 MB, and positions stop counting at 16,383 anyway.
MAX_SECTION_CHARS = 100_000
_ADVISORY_NAMESPACE = 0x5EA4C  # first key of the per-thread locks of document writes
_CHUNK = 100  # documents per statement when rebuilding (and per progress report)
# Private-use characters around the words ts_headline marks; removed from the
# source first, then turned into <mark> after escaping everything else.
_START, _STOP = "\ue000", "\ue001"
_SENTINELS = {ord(_START): None, ord(_STOP): None}
_HEADLINE_OPTIONS = f"StartSel={_START}, StopSel={_STOP}, HighlightAll=true"
_PASSAGES = 2
_PASSAGE_LEAD = 40
# Words "did you mean" looks at: as the Whoosh backend does.
_CORRECTABLE_WORD = re.compile(r"\b(?!(?:AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b)[^\W\d_]{3,}\b(?!:)")
_VOCABULARY_WORD = re.compile(r"[^\W\d_]{3,64}")
_SIMILARITY_CANDIDATES = 20
# Ranking reads each matching thread's whole vector (out of line, compressed):
# tens of µs a thread. Up to RANKED_IN_FULL matches are all ranked; beyond,
# only candidates: the CANDIDATES best-standing threads with the words in their
# title or tags (``head_vector``, small and inline), and the CANDIDATES
# best-standing threads with the words anywhere, so a word found in most
# threads costs about what a rarer one does. Totals are counted exactly up to
# COUNTED_EXACTLY matches when the planner expects at most ESTIMATED_ONLY,
# and are the planner's estimate otherwise (``total_is_exact`` False).
RANKED_IN_FULL = 200
CANDIDATES = 100
COUNTED_EXACTLY = 1_000
ESTIMATED_ONLY = 20_000
# Where the words stand in more than this share of threads, the best-standing
# matches are found by walking the standing index and testing each thread
# (a few more than CANDIDATES are read); below it, by the GIN index.
_WALK_SHARE = 0.1

_TSQUERY = " || ".join(f"websearch_to_tsquery('{language}', :text)" for language in LANGUAGES)
_TITLE_TSQUERY = " || ".join(f"to_tsquery('{language}', :title_{{n}})" for language in LANGUAGES)


def _section_vector(column: str, letter: str) -> str:
    return " || ".join(f"setweight(to_tsvector('{language}', d.{column}), '{letter}')" for language in LANGUAGES)


_UPSERT = text(f"""
    INSERT INTO search_documents (thread_id, vector, head_vector, title, tags, category, status, score, standing,
                                  created_at, version, highlight_source, accepted_excerpt)
    SELECT d.thread_id,
           {_section_vector('title', 'A')} || {_section_vector('tag_text', 'B')}
           || {_section_vector('question', 'C')} || {_section_vector('accepted', 'C')}
           || {_section_vector('answers', 'D')},
           {_section_vector('title', 'A')} || {_section_vector('tag_text', 'B')},
           d.title, d.tags, d.category, d.status, d.score, d.standing, d.created_at, d.version,
           d.highlight_source, d.accepted_excerpt
    FROM jsonb_to_recordset(CAST(:docs AS jsonb)) AS d(
        thread_id integer, title text, tag_text text, question text, accepted text, answers text,
        tags varchar(32)[], category varchar(64), status varchar(16), score integer, standing smallint,
        created_at timestamptz, version varchar(32), highlight_source text, accepted_excerpt text)
    ON CONFLICT (thread_id) DO UPDATE SET
        vector = excluded.vector, head_vector = excluded.head_vector, title = excluded.title, tags = excluded.tags, category = excluded.category,
        status = excluded.status, score = excluded.score, standing = excluded.standing,
        created_at = excluded.created_at, version = excluded.version,
        highlight_source = excluded.highlight_source, accepted_excerpt = excluded.accepted_excerpt
""")
# In sorted order, so two transactions adding the same new words wait for each other instead of deadlocking.
_ADD_WORDS = text("""
    INSERT INTO search_words (word)
    SELECT word FROM unnest(CAST(:words AS varchar[])) AS word ORDER BY word
    ON CONFLICT DO NOTHING
""")
_HIT_COLUMNS = "d.thread_id, d.title, d.status, d.score, d.category, d.tags, d.created_at, d.accepted_excerpt"


class PostgresBackend(InTransactionBackend):
    """Search in the forum's own PostgreSQL database (``SEARCH_BACKEND=postgres``)."""

    def __init__(self, engine: Engine):
        if engine.dialect.name != "postgresql":
            raise ValueError("the postgres search backend needs a PostgreSQL database (DATABASE_URL)")
        self._engine = engine

    # ---------- writing ----------

    def lock(self, connection: Connection, thread_ids: Iterable[int]) -> None:
        """Take the write locks of these threads' documents until the transaction ends.

        Taken before their documents are read from the forum's tables, so the
        second of two concurrent changes to a thread reads the first one's
        result. In id order, so two writers of several threads cannot deadlock.
        """
        ids = sorted(set(thread_ids))
        if ids:
            connection.execute(text(
                "SELECT pg_advisory_xact_lock(:namespace, id) FROM unnest(CAST(:ids AS integer[])) AS id ORDER BY id"
            ), {"namespace": _ADVISORY_NAMESPACE, "ids": ids})

    def write(self, connection: Connection, docs: Iterable[ThreadDocument], removed: Iterable[int]) -> None:
        """Store ``docs`` and drop the threads ``removed``, in the caller's transaction."""
        latest = {doc.thread_id: doc for doc in docs}
        gone = sorted(set(removed) - latest.keys())
        if gone:
            connection.execute(text("DELETE FROM search_documents WHERE thread_id = ANY(CAST(:ids AS integer[]))"),
                               {"ids": gone})
        if latest:
            rows = [_row(doc) for doc in latest.values()]
            connection.execute(_UPSERT, {"docs": json.dumps(rows)})
            connection.execute(_ADD_WORDS, {"words": sorted(set().union(*map(_vocabulary, latest.values())))})

    def index(self, docs: Iterable[ThreadDocument]) -> None:
        docs = list(docs)
        with self._engine.begin() as connection:
            self.lock(connection, (doc.thread_id for doc in docs))
            self.write(connection, docs, ())

    def remove(self, thread_ids: Iterable[int]) -> None:
        ids = list(thread_ids)
        with self._engine.begin() as connection:
            self.lock(connection, ids)
            self.write(connection, (), ids)

    def rebuild(
        self,
        docs: Iterable[ThreadDocument],
        progress: Callable[[int], object] | None = None,
    ) -> int:
        """Upsert every document chunk by chunk, then drop those of threads not among ``docs``.

        Searches see a complete index throughout (old or new document per
        thread), and a change to a thread waits for one chunk at most. A
        change committed between reading a chunk's threads and writing it is
        overwritten by the older document; `flask search verify --repair`
        finds such a thread.
        """
        seen: list[int] = []
        vocabulary: set[str] = set()
        chunk: list[ThreadDocument] = []
        for doc in docs:
            chunk.append(doc)
            if len(chunk) == _CHUNK:
                self._rebuild_chunk(chunk, seen, vocabulary, progress)
                chunk = []
        if chunk:
            self._rebuild_chunk(chunk, seen, vocabulary, progress)
        with self._engine.begin() as connection:
            connection.execute(text("""
                DELETE FROM search_documents AS d WHERE NOT EXISTS (
                    SELECT 1 FROM unnest(CAST(:ids AS integer[])) AS kept(id) WHERE kept.id = d.thread_id)
            """), {"ids": seen})
            connection.execute(text("""
                DELETE FROM search_words AS w WHERE NOT EXISTS (
                    SELECT 1 FROM unnest(CAST(:words AS varchar[])) AS kept(word) WHERE kept.word = w.word)
            """), {"words": sorted(vocabulary)})
        return len(seen)

    def _rebuild_chunk(self, chunk, seen: list[int], vocabulary: set[str], progress) -> None:
        self.index(chunk)
        seen += [doc.thread_id for doc in chunk]
        vocabulary.update(*map(_vocabulary, chunk))
        if progress:
            progress(len(chunk))

    def clear(self) -> None:
        with self._engine.begin() as connection:
            connection.execute(text("DELETE FROM search_documents"))
            connection.execute(text("DELETE FROM search_words"))

    # ---------- reading ----------

    def query(self, search: SearchQuery) -> SearchPage:
        parsed = parse(clean_text(search.text))
        with self._engine.connect() as connection:
            if parsed.only_stop_words:
                return SearchPage(items=[], total=0, page=search.page, pages=0, suggestion=None)
            if not parsed.has_terms:
                return self._page(connection, search, parsed, None, suggestion=None)
            page = self._page(connection, search, parsed, parsed.text, None)
            # A plain search that found threads found every word in them: none to correct.
            if not (parsed.plain and page.total):
                page = replace(page, suggestion=self._suggestion(connection, clean_text(search.text)))
            if page.total == 0 and parsed.any_words:
                page = self._page(connection, search, parsed, parsed.any_words, page.suggestion)
            return page

    def suggest(self, text_: str) -> str | None:
        with self._engine.connect() as connection:
            return self._suggestion(connection, clean_text(text_))

    def similar(self, title: str, limit: int = 5) -> list[SearchHit]:
        """Threads whose titles and tags share the title's rarest words; when fewer than ``limit``,
        also threads whose questions or accepted answers do."""
        title = clean_text(title)
        if not title or limit < 1:
            return []
        with self._engine.connect() as connection:
            lexemes = self._similar_lexemes(connection, title)
            if not lexemes:
                return []
            terms = [_tsquery_literal(lexeme) for lexeme in lexemes]
            rows = self._similar_rows(connection, " | ".join(terms), "head_vector", limit, [])
            if len(rows) < limit:
                # Weight-restricted, so the index cannot decide alone: only when titles found too few.
                rows += self._similar_rows(connection, " | ".join(f"{term}:AC" for term in terms), "vector",
                                           limit - len(rows), [row.thread_id for row in rows])
        # By relevance alone: the standing boost in the rank lets a resolved thread win among
        # equally good matches, never over a clearly better one (issue #11).
        return [_hit(row) for row in rows]

    def _similar_rows(self, connection, query: str, vector: str, count: int, found: list[int]) -> list:
        return connection.execute(text(f"""
            SELECT {_HIT_COLUMNS}, d.standing, {_headline('d.highlight_source', 'q.query')} AS marked
            FROM (SELECT thread_id, {_rank('q.query', vector)} AS rank
                  FROM search_documents, (SELECT CAST(:query AS tsquery) AS query) AS q
                  WHERE {vector} @@ q.query AND NOT thread_id = ANY(CAST(:found AS integer[]))
                  ORDER BY rank DESC, thread_id DESC LIMIT :count) AS ranked
            JOIN search_documents AS d USING (thread_id), (SELECT CAST(:query AS tsquery) AS query) AS q
            ORDER BY ranked.rank DESC, d.thread_id DESC
        """), {"query": query, "count": count, "found": found}).all()

    def doc_versions(self) -> dict[int, str]:
        with self._engine.connect() as connection:
            return dict(connection.execute(text("SELECT thread_id, version FROM search_documents")).all())

    def document_count(self) -> int:
        with self._engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM search_documents")).scalar_one()

    def is_healthy(self) -> bool:
        # A health probe reports a broken setup (missing migration or extension); it must not raise itself.
        try:
            with self._engine.connect() as connection:
                connection.execute(text(
                    "SELECT count(*) FROM (SELECT 1 FROM search_documents "
                    f"WHERE vector @@ ({_TSQUERY}) LIMIT 1) AS probe"), {"text": "health"})
        except Exception:
            logger.exception("PostgreSQL search is not usable")
            return False
        return True

    # ---------- internals ----------

    def _page(self, connection, search: SearchQuery, parsed: ParsedQuery, words: str | None,
              suggestion: str | None) -> SearchPage:
        """One page of threads matching ``words`` (None: any thread) and the filters."""
        conditions, params = _filters(search, parsed)
        query_from = ""
        if words is not None:
            query_sql, query_params = _tsquery(parsed, words)
            params.update(query_params)
            query_from = f", (SELECT {query_sql} AS query) AS q"
        filters = " AND ".join(conditions) or "true"
        where = f"vector @@ q.query AND {filters}" if words is not None else filters
        # A sequential scan would evaluate `vector @@ query` row by row, reading
        # every thread's whole vector; the GIN index answers it without. Set in
        # the statement that reads the number of documents: one round trip less.
        documents = connection.execute(text(
            "SELECT set_config('enable_seqscan', 'off', true), greatest(reltuples, 1) FROM pg_class "
            "WHERE relname = 'search_documents'")).one()[1]
        total, exact, share = self._count(connection, query_from, where, params, documents)
        offset = (search.page - 1) * search.per_page
        if words is None or search.sort == "newest":
            order = "ranked.created_at DESC, d.thread_id DESC"
            ranked_sql = (f"SELECT thread_id, created_at, 0 AS rank FROM search_documents{query_from} "
                          f"WHERE {where} ORDER BY created_at DESC, thread_id DESC LIMIT :limit OFFSET :offset")
        else:
            order = "ranked.rank DESC, d.thread_id DESC"
            among = ""
            if total > RANKED_IN_FULL:
                params["candidates"] = self._candidates(connection, query_from, where, filters, params,
                                                        max(CANDIDATES, offset + search.per_page), share, documents)
                among = " AND thread_id = ANY(CAST(:candidates AS integer[]))"
            ranked_sql = (f"SELECT thread_id, created_at, {_rank('q.query')} AS rank "
                          f"FROM search_documents{query_from} WHERE {where}{among} "
                          "ORDER BY rank DESC, thread_id DESC LIMIT :limit OFFSET :offset")
        headline = _headline("d.highlight_source", "q.query") if words is not None else "d.highlight_source"
        rows = connection.execute(text(f"""
            SELECT {_HIT_COLUMNS}, {headline} AS marked
            FROM ({ranked_sql}) AS ranked JOIN search_documents AS d USING (thread_id){query_from}
            ORDER BY {order}
        """), {**params, "limit": search.per_page, "offset": offset}).all()
        return SearchPage(
            items=[_hit(row) for row in rows],
            total=total,
            page=search.page,
            pages=-(-total // search.per_page),
            suggestion=suggestion,
            total_is_exact=exact,
        )

    def _count(self, connection, query_from: str, where: str, params: dict,
               documents: float) -> tuple[int, bool, float]:
        """How many threads match, whether that is exact, and the planner's share of threads matching.

        Counting visits every match, so it stops at COUNTED_EXACTLY, and is
        skipped where the planner expects more than ESTIMATED_ONLY.
        """
        estimate = self._count_estimate(connection, query_from, where, params)
        share = estimate / documents
        if estimate > ESTIMATED_ONLY:
            return estimate, False, share
        counted = connection.execute(text(
            f"SELECT count(*) FROM (SELECT 1 FROM search_documents{query_from} WHERE {where} "
            "LIMIT :most) AS counted"), {**params, "most": COUNTED_EXACTLY}).scalar_one()
        if counted < COUNTED_EXACTLY:
            return counted, True, share
        return max(estimate, counted), False, share

    def _count_estimate(self, connection, query_from: str, where: str, params: dict) -> int:
        """The planner's estimate of the matches (from the column statistics: no row is read)."""
        plan = connection.execute(text(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM search_documents{query_from} WHERE {where}"), params).scalar_one()
        return round(plan[0]["Plan"]["Plan Rows"])

    def _candidates(self, connection, query_from: str, where: str, filters: str, params: dict,
                    count: int, share: float, documents: float) -> list[int]:
        """The threads worth ranking among very many matches (see RANKED_IN_FULL)."""
        # "+ 0" takes the standing index out of the planner's hands: it would walk
        # it testing `vector @@ query` (reading each vector) even for rarer words.
        standing = "standing" if share > _WALK_SHARE else "standing + 0"
        head_where = f"head_vector @@ q.query AND {filters}"
        head_share = self._count_estimate(connection, query_from, head_where, params) / documents
        head_standing = "standing" if head_share > _WALK_SHARE / 10 else "standing + 0"
        return connection.execute(text(
            f"(SELECT thread_id FROM search_documents{query_from} WHERE {head_where} "
            f"ORDER BY {head_standing} DESC, score DESC, thread_id DESC LIMIT :count) UNION "
            f"(SELECT thread_id FROM search_documents{query_from} WHERE {where} "
            f"ORDER BY {standing} DESC, score DESC, thread_id DESC LIMIT :count) ORDER BY thread_id"),
            {**params, "count": count}).scalars().all()

    def _suggestion(self, connection, typed: str) -> str | None:
        """``typed`` with each word the index does not know replaced by its closest known word.

        None if every word is known, or if the corrected text finds nothing.
        """
        pieces, last = [], 0
        for match in _CORRECTABLE_WORD.finditer(typed):
            word = match.group().lower()
            if word in STOP_WORDS or self._known(connection, word):
                continue
            correction = self._closest_word(connection, word)
            if correction:
                pieces += [typed[last:match.start()], correction]
                last = match.end()
        if not pieces:
            return None
        corrected = "".join(pieces) + typed[last:]
        parsed = parse(corrected)
        query_sql, params = _tsquery(parsed, parsed.text)
        finds = connection.execute(text(
            f"SELECT EXISTS (SELECT 1 FROM search_documents WHERE vector @@ ({query_sql}))"), params).scalar_one()
        return corrected if finds else None

    def _known(self, connection, word: str) -> bool:
        """Whether ``word`` stands in the vocabulary or any thread holds one of its stems."""
        return connection.execute(text(f"""
            SELECT EXISTS (SELECT 1 FROM search_words WHERE word = :text)
                OR EXISTS (SELECT 1 FROM search_documents WHERE vector @@ ({_TSQUERY}))
        """), {"text": word}).scalar_one()

    def _closest_word(self, connection, word: str) -> str | None:
        """The known word at the smallest edit distance (1 or 2) from ``word``, starting with its letter.

        Trigram similarity (``pg_trgm``, GIN-indexed) finds the candidates;
        ties go to the more similar, then the alphabetically first.
        """
        candidates = connection.execute(text("""
            SELECT word FROM search_words
            WHERE word % :word AND left(word, 1) = left(:word, 1) AND word <> :word
            ORDER BY similarity(word, :word) DESC, word LIMIT :limit
        """), {"word": word, "limit": _SIMILARITY_CANDIDATES}).scalars().all()
        for distance in (1, 2):
            for candidate in candidates:
                if _edit_distance(word, candidate) <= distance:
                    return candidate
        return None

    def _similar_lexemes(self, connection, title: str) -> list[str]:
        """The title's rarest index terms that are not too common (or else its rarest one).

        As the Whoosh backend does (app/search/querying.py, similar_query), with
        frequencies from the planner's statistics of the ``vector`` column
        (the most common lexemes and their share of threads): a lexeme not
        among them counts as rare.
        """
        rows = connection.execute(text(f"""
            WITH terms AS (
                SELECT DISTINCT lexeme FROM unnest(tsvector_to_array(
                    {" || ".join(f"to_tsvector('{language}', :title)" for language in LANGUAGES)})) AS lexeme),
            common AS (
                SELECT unnest(most_common_elems::text::text[]) AS lexeme, unnest(most_common_elem_freqs) AS share
                FROM pg_stats WHERE tablename = 'search_documents' AND attname = 'vector'),
            documents AS (SELECT greatest(reltuples, 0) AS count FROM pg_class WHERE relname = 'search_documents')
            SELECT terms.lexeme, coalesce(common.share, 0) AS share, documents.count
            FROM terms LEFT JOIN common USING (lexeme), documents
            ORDER BY share, terms.lexeme
        """), {"title": title}).all()
        if not rows:
            return []
        most = max(SIMILAR_MAX_THREAD_SHARE, SIMILAR_ALWAYS_RARE / max(rows[0].count, 1))
        chosen = [row.lexeme for row in rows if row.share <= most][:SIMILAR_TERMS]
        return chosen or [rows[0].lexeme]


def _tsquery(parsed: ParsedQuery, words: str) -> tuple[str, dict]:
    """The SQL of the tsquery for ``words`` and the parsed title words, with its parameters."""
    parts, params = [], {"text": words}
    if _has_words(words):
        parts.append(f"({_TSQUERY})")
    for n, word in enumerate(parsed.title_words):
        parts.append(f"({_TITLE_TSQUERY.format(n=n)})")
        params[f"title_{n}"] = f"{word}:A"
    return " && ".join(parts) or "CAST('' AS tsquery)", params


def _has_words(words: str) -> bool:
    return bool(re.search(r"[^\W_]", words))


def _filters(search: SearchQuery, parsed: ParsedQuery | None) -> tuple[list[str], dict]:
    """SQL conditions for the filters of ``search`` and the fields written in its text."""
    conditions, params = [], {}
    categories = {search.category.lower()} if search.category else set()
    tags = {search.tag.lower()} if search.tag else set()
    statuses = {search.status} if search.status else set()
    if parsed is not None:
        categories.update(parsed.categories)
        tags.update(parsed.tags)
        statuses.update(parsed.statuses)
    for n, category in enumerate(sorted(categories)):  # two different ones find nothing, as in Whoosh
        conditions.append(f"category = :category_{n}")
        params[f"category_{n}"] = category
    if tags:
        conditions.append("tags @> CAST(:tags AS varchar[])")
        params["tags"] = sorted(tags)
    for n, status in enumerate(sorted(statuses)):
        conditions.append(f"status = :status_{n}")
        params[f"status_{n}"] = status
    if search.date_from:
        conditions.append("created_at >= :date_from")
        params["date_from"] = _as_utc(search.date_from, time.min)
    if search.date_to:
        conditions.append("created_at <= :date_to")
        params["date_to"] = _as_utc(search.date_to, time.max)
    return conditions, params


def _as_utc(moment: date | datetime, time_of_day: time) -> datetime:
    """A filter bound; a date stands for the whole day in UTC."""
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return datetime.combine(moment, time_of_day, tzinfo=timezone.utc)


def _rank(query: str, vector: str = "vector") -> str:
    """SQL of a thread's relevance to ``query``: weighted ``ts_rank`` times its standing boost.

    Normalisation 1 divides by 1 + log(length), so a long thread does not win by length alone.
    """
    return f"ts_rank('{RANK_WEIGHTS}', {vector}, {query}, 1) * ({_STANDING_BOOST})"


def _headline(source: str, query: str) -> str:
    """SQL marking the words of ``source`` that match ``query`` in either language."""
    marked = source
    for language in LANGUAGES:
        marked = f"ts_headline('{language}', {marked}, {query}, '{_HEADLINE_OPTIONS}')"
    return marked


def _tsquery_literal(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _row(doc: ThreadDocument) -> dict:
    """The JSON record ``_UPSERT`` turns into one document row."""
    return {
        "thread_id": doc.thread_id,
        "title": doc.title[:MAX_SECTION_CHARS],
        "tag_text": " ".join(doc.tags),
        "question": f"{doc.question_text}\n{doc.extra_terms}"[:MAX_SECTION_CHARS],
        "accepted": doc.accepted_answer_text[:MAX_SECTION_CHARS],
        "answers": doc.answers_text[:MAX_SECTION_CHARS],
        "tags": [tag.lower() for tag in doc.tags],
        "category": doc.category.lower(),
        "status": doc.status,
        "score": doc.score,
        "standing": standing(doc.status, doc.has_accepted),
        "created_at": doc.created_at.astimezone(timezone.utc).isoformat(),
        "version": doc.version,
        "highlight_source": highlight_source(doc).translate(_SENTINELS),
        "accepted_excerpt": excerpt(doc.accepted_answer_text, EXCERPT_CHARS),
    }


def _vocabulary(doc: ThreadDocument) -> set[str]:
    """The words "did you mean" may propose from a thread: as the Whoosh backend's vocabulary field."""
    words = set()
    for part in (doc.title, doc.question_text, doc.extra_terms, doc.accepted_answer_text):
        words.update(word.lower() for word in _VOCABULARY_WORD.findall(part[:MAX_SECTION_CHARS]))
    return words - STOP_WORDS


def _hit(row) -> SearchHit:
    return SearchHit(
        thread_id=row.thread_id,
        title=row.title,
        snippet_html=snippet_html(row.marked),
        status=row.status,
        score=row.score,
        category=row.category,
        tags=list(row.tags),
        created_at=row.created_at.astimezone(timezone.utc),
        accepted_answer_excerpt=row.accepted_excerpt,
    )


def snippet_html(marked: str) -> str:
    """Escaped passages of ``marked`` (ts_headline's output) with its marked words in ``<mark>``.

    Up to two passages of at most ``EXCERPT_CHARS`` characters, each starting a
    little before a marked word; the escaped start of the text when nothing
    is marked (the thread matched by its title or tags, or further down).
    """
    spans = _marked_spans(marked)
    plain = marked.translate(_SENTINELS)
    if not spans:
        return html.escape(excerpt(plain, EXCERPT_CHARS))
    passages: list[tuple[int, int]] = []
    for start, end in spans:
        if passages and start < passages[-1][1]:
            continue  # already inside the previous passage
        if len(passages) == _PASSAGES:
            break
        begin = _word_start(plain, max(0, start - _PASSAGE_LEAD))
        passages.append((begin, _word_end(plain, min(len(plain), begin + EXCERPT_CHARS))))
    return " … ".join(_marked_passage(plain, spans, begin, end) for begin, end in passages)


def _marked_spans(marked: str) -> list[tuple[int, int]]:
    """Character ranges of the marked words, in the text without the sentinels (nested marks merged)."""
    spans, depth, position, opened = [], 0, 0, 0
    for char in marked:
        if char == _START:
            if depth == 0:
                opened = position
            depth += 1
        elif char == _STOP:
            depth = max(depth - 1, 0)
            if depth == 0 and position > opened:
                spans.append((opened, position))
        else:
            position += 1
    return spans


def _marked_passage(plain: str, spans, begin: int, end: int) -> str:
    pieces, cursor = [], begin
    for start, stop in spans:
        if stop <= begin or start >= end:
            continue
        start, stop = max(start, begin), min(stop, end)
        pieces += [html.escape(plain[cursor:start]), f"<mark>{html.escape(plain[start:stop])}</mark>"]
        cursor = stop
    pieces.append(html.escape(plain[cursor:end]))
    return "".join(pieces).strip()


def _word_start(text_: str, index: int) -> int:
    while 0 < index < len(text_) and not text_[index - 1].isspace():
        index -= 1
    return index


def _word_end(text_: str, index: int) -> int:
    if index >= len(text_):
        return len(text_)
    cut = text_.rfind(" ", 0, index)
    return cut if cut > 0 else index


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions counted as one edit."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if previous2 is not None and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]
