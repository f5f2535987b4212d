"""From what a user typed to a Whoosh query that cannot fail.

Users may write Whoosh syntax (phrases, AND/OR/NOT, ``tag:printer``), and they
will also paste stack traces, half-closed quotes and megabytes of logs. So the
text is cleaned and cut first, parsed with the full syntax, and if parsing or
running that query goes wrong anyway, searched again as plain words.

Without operators, words are OR-ed (BM25 ranks documents matching more of them
first): customers describe problems in sentences, and requiring every word of a
sentence finds nothing. Wildcards are off: they bypass stemming and folding, and
a short prefix expands to most of the vocabulary.
"""

import re
from datetime import date, datetime, time, timezone
from itertools import groupby

from whoosh import query as q
from whoosh.qparser import FieldAliasPlugin, OrGroup, QueryParser, WildcardPlugin

from .analysis import folded_tokens, index_terms
from .backend import SearchQuery
from .ranking import SECTION_WEIGHTS
from .schema import SCHEMA, naive_utc

# similar() looks for the rarest words of a title being typed: they say what it
# is about, and they are quick to look up where common words are not. A word is
# too common when it stands in the titles and questions of more than 5% of all
# threads, and of more than 1,000 (counting titles and questions apart).
SIMILAR_TERMS = 5
SIMILAR_MAX_THREAD_SHARE = 0.05
SIMILAR_ALWAYS_RARE = 1000
_SIMILAR_FIELDS = ("title", "question")
_WORDS = re.compile(r"\w+")


def _phrase(fieldname, words, slop=1, boost=1.0, char_ranges=None):
    """A phrase in which a word may be either of its stems.

    The analyzer gives each word both stems at one position, so the parser
    hands over "Rechnungen stellen" as four words with two character ranges;
    a plain ``Phrase`` would look for all four in a row.
    """
    if not char_ranges or char_ranges[0][0] is None:  # a field Whoosh did not analyze
        return q.Phrase(fieldname, words, slop=slop, boost=boost)
    slots = [
        [word for word, _ in group]
        for _, group in groupby(zip(words, char_ranges), key=lambda pair: pair[1])
    ]
    parts = [q.Or([q.Term(fieldname, stem) for stem in stems]) for stems in slots]
    if len(parts) == 1:
        return parts[0].with_boost(boost)
    return q.Sequence(parts, slop=slop, boost=boost)


def _syntax_parser():
    parser = QueryParser("text", SCHEMA, group=OrGroup, phraseclass=_phrase)
    parser.remove_plugin_class(WildcardPlugin)
    parser.add_plugin(FieldAliasPlugin({"tags": ["tag"]}))
    return parser


_SYNTAX_PARSER = _syntax_parser()
_WORDS_PARSER = QueryParser("text", SCHEMA, group=OrGroup, plugins=[])


def parse_syntax(text: str) -> q.Query:
    """``text`` in Whoosh query syntax; may raise on input Whoosh cannot handle."""
    return _SYNTAX_PARSER.parse(text).accept(_not_excludes)


def _not_excludes(node: q.Query) -> q.Query:
    """Read "printer NOT offline" as printer without offline.

    Among OR-ed words Whoosh reads it as "printer, or anything without offline",
    which finds every thread that lacks the word.
    """
    if not isinstance(node, q.Or):
        return node
    excluded = [sub.query for sub in node.subqueries if isinstance(sub, q.Not)]
    wanted = [sub for sub in node.subqueries if not isinstance(sub, q.Not)]
    if not (excluded and wanted):
        return node
    return q.AndNot(q.Or(wanted, boost=node.boost), q.Or(excluded))


def parse_words(text: str) -> q.Query:
    """Any of the words in ``text``, every character of syntax ignored."""
    return _WORDS_PARSER.parse(" ".join(_WORDS.findall(text)))


def similar_query(reader, title: str) -> q.Query:
    """The meaningful words of a question title being typed, in other titles and questions.

    Meaningful: its ``SIMILAR_TERMS`` rarest indexed terms that are not too
    common, or else its rarest one (as Lucene's MoreLikeThis does). Answers
    are not searched: a question being typed is compared with what other
    askers wrote.
    """
    terms = {term for token in folded_tokens(title) for term in index_terms(token.text)}
    by_rarity = sorted(
        (frequency, term)
        for term in terms
        if (frequency := sum(reader.doc_frequency(field, term) for field in _SIMILAR_FIELDS))
    )
    most = max(SIMILAR_MAX_THREAD_SHARE * reader.doc_count(), SIMILAR_ALWAYS_RARE)
    chosen = [term for frequency, term in by_rarity if frequency <= most][:SIMILAR_TERMS]
    chosen = chosen or [term for _, term in by_rarity[:1]]
    return q.Or([
        q.Term(field, term, boost=SECTION_WEIGHTS[field])
        for term in chosen
        for field in _SIMILAR_FIELDS
    ])


def filter_query(search: SearchQuery) -> q.Query | None:
    """The restrictions of ``search`` that do not affect ranking, or None."""
    restrictions = []
    if search.category:
        restrictions.append(q.Term("category", search.category.lower()))
    if search.tag:
        restrictions.append(q.Term("tags", search.tag.lower()))
    if search.status:
        restrictions.append(q.Term("status", search.status))
    if search.date_from or search.date_to:
        start = _as_utc(search.date_from, time.min) if search.date_from else None
        end = _as_utc(search.date_to, time.max) if search.date_to else None
        restrictions.append(q.DateRange("created_at", start, end))
    return q.And(restrictions) if restrictions else None


def _as_utc(moment: date | datetime, time_of_day: time) -> datetime:
    """A filter bound as the index stores times; a date stands for the whole day."""
    if isinstance(moment, datetime):
        return naive_utc(moment)
    return datetime.combine(moment, time_of_day, tzinfo=timezone.utc).replace(tzinfo=None)
