"""The backend for deployments with search switched off: it keeps nothing and finds nothing."""

from .backend import SearchBackend, SearchPage


class NullBackend(SearchBackend):
    def index(self, docs):
        pass

    def remove(self, thread_ids):
        pass

    def query(self, search):
        return SearchPage(items=[], total=0, page=search.page, pages=0, suggestion=None)

    def suggest(self, text):
        return None

    def similar(self, title, limit=5):
        return []

    def rebuild(self, docs, progress=None):
        return 0

    def doc_versions(self):
        return {}

    def clear(self):
        pass

    def document_count(self):
        return 0

    def is_healthy(self):
        return True
