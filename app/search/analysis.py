"""How text becomes index terms: the rules indexing, querying and highlighting share.

Customers write English and German, often in one forum, and a word's language is
not known. So every text field is indexed twice, through an English and through a
German snowball stemmer, and a query searches both copies: "printers" meets
"printer" in the English copy, "Rechnungen" meets "Rechnung" in the German one.
Both analyzers fold accents ("cafe" finds "café") and drop one stop-word list,
the union of both languages.
"""

from functools import lru_cache

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists
from whoosh.support.charset import accent_map

LANGUAGES = ("en", "de")
_STEMMERS = {language: stemmer_for_language(language) for language in LANGUAGES}

# whoosh folds "ß" to "s"; German writes it "ss" when the letter is unavailable.
_FOLD_MAP = {**accent_map, ord("ß"): "ss"}

# German stop words that are meaningful terms in English support questions
# ("recycle bin", "dir", "Red Hat", "man page").
_KEPT_GERMAN_WORDS = frozenset({"bin", "dir", "hat", "man"})


def fold(word: str) -> str:
    """Lowercase ``word`` and strip its accents, as the index does."""
    return word.lower().translate(_FOLD_MAP)


_STOP_SOURCE = stoplists["en"] | (stoplists["de"] - _KEPT_GERMAN_WORDS)
# Both spellings, so the list works before folding ("für") and after it ("fur").
STOP_WORDS = frozenset(_STOP_SOURCE | {fold(word) for word in _STOP_SOURCE})


def _folded_words():
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(_FOLD_MAP)


def stemming_analyzer(language: str):
    """The analyzer of the ``language`` copy of every text field."""
    return _folded_words() | StopFilter(stoplist=STOP_WORDS) | StemFilter(lang=language)


def vocabulary_analyzer():
    """Unstemmed, unfolded words: the vocabulary "did you mean" proposes from."""
    return RegexTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=3)


def folded_tokens(text: str):
    """Every word of ``text`` folded, with character offsets, stop words included.

    Highlighting needs all words (the unmatched ones are the snippet's context);
    ``index_terms`` then tells which of them the index would have stored.
    """
    return _folded_words()(text, chars=True, mode="query")


@lru_cache(maxsize=50_000)
def index_terms(folded_word: str) -> dict[str, str]:
    """The term each language copy stores for ``folded_word``; empty for a stop word.

    Mirrors ``stemming_analyzer`` (fold, then stop list, then stem) for one word.
    """
    if folded_word in STOP_WORDS or len(folded_word) < 2:
        return {}
    return {language: _STEMMERS[language](folded_word) for language in LANGUAGES}

