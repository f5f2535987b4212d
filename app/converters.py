"""URL converters: ids in URLs are positive and fit the database's integer column.

Werkzeug's plain `int` accepts any length, and a 30-digit id would reach the
driver and fail there (SQLite raises OverflowError) instead of being a 404.
"""
from werkzeug.routing import IntegerConverter

MAX_DATABASE_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)
