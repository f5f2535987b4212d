"""How text becomes index terms: the rules indexing, querying and highlighting share.

Customers write English and German, often in one forum, and a word's language is
not known. So each word is indexed as its English and its German snowball stem,
at the same position; a query word is looked up as either stem. "printers" meets
"printer" through the English stem, "Rechnungen" meets "Rechnung" through the
German one. (Two fields per language would do the same with twice the index
and twice the term lookups per query word.) Words are accent-folded first ("cafe"
finds "café"), and one stop-word list, the union of both languages, is dropped.
"""

from functools import lru_cache

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Tokenizer,
)
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists
from whoosh.support.charset import accent_map

_STEM_ENGLISH = stemmer_for_language("en")
_STEM_GERMAN = stemmer_for_language("de")

# whoosh folds "ß" to "s"; German writes it "ss" when the letter is unavailable.
_FOLD_MAP = {**accent_map, ord("ß"): "ss"}

# German stop words that are meaningful terms in English support questions
# ("recycle bin", "dir", "Red Hat", "man page").
_KEPT_GERMAN_WORDS = frozenset({"bin", "dir", "hat", "man"})
_MIN_WORD_CHARS = 2


def fold(word: str) -> str:
    """Lowercase ``word`` and strip its accents, as the index does."""
    return word.lower().translate(_FOLD_MAP)


_STOP_SOURCE = stoplists["en"] | (stoplists["de"] - _KEPT_GERMAN_WORDS)
# Both spellings, so the list works before folding ("für") and after it ("fur").
STOP_WORDS = frozenset(_STOP_SOURCE | {fold(word) for word in _STOP_SOURCE})


@lru_cache(maxsize=100_000)
def _stems(folded_word: str) -> tuple[str, ...]:
    english = _STEM_ENGLISH(folded_word)
    german = _STEM_GERMAN(folded_word)
    return (english,) if english == german else (english, german)


def index_terms(folded_word: str) -> tuple[str, ...]:
    """The terms the index stores for one folded word: none for a stop word."""
    if folded_word in STOP_WORDS or len(folded_word) < _MIN_WORD_CHARS:
        return ()
    return _stems(folded_word)


class WeightedText(str):
    """Text made of sections that count differently, such as a thread's title and answers.

    A ``str`` (Whoosh indexes only strings) that remembers its sections for
    ``SectionTokenizer``.
    """

    sections: tuple[tuple[str, float], ...]

    def __new__(cls, sections):
        sections = tuple(sections)
        text = super().__new__(cls, "\n".join(section for section, _ in sections))
        text.sections = sections
        return text


class SectionTokenizer(Tokenizer):
    """Splits text into words, each carrying its section's weight as its boost.

    So one field can count a title word more than an answer word; plain
    strings (queries) are one section of weight 1.
    """

    def __init__(self):
        self._words = RegexTokenizer()

    def __call__(self, value, **kwargs):
        for text, weight in getattr(value, "sections", ((value, 1.0),)):
            for token in self._words(text, **kwargs):
                token.boost = weight
                yield token


class BilingualStemFilter(Filter):
    """Replaces each word by its English stem and, at the same position, by its
    German stem when that differs."""

    def __call__(self, tokens):
        for token in tokens:
            for stem in _stems(token.text):
                token.text = stem
                yield token


def bilingual_analyzer():
    """The analyzer of every searched text field, at indexing and at query time."""
    return (
        SectionTokenizer()
        | LowercaseFilter()
        | CharsetFilter(_FOLD_MAP)
        | StopFilter(stoplist=STOP_WORDS, minsize=_MIN_WORD_CHARS)
        | BilingualStemFilter()
    )


def vocabulary_analyzer():
    """Unstemmed, unfolded words: the vocabulary "did you mean" proposes from."""
    return RegexTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=3)


_FOLDED_WORDS = RegexTokenizer() | LowercaseFilter() | CharsetFilter(_FOLD_MAP)


def folded_tokens(text: str):
    """Every word of ``text`` folded, with character offsets, stop words included.

    Highlighting needs all words (the unmatched ones are the snippet's context);
    ``index_terms`` then tells which of them the index would have stored.
    """
    return _FOLDED_WORDS(text, chars=True, mode="query")
