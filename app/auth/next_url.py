"""Where `next=` may send a browser after login or a language switch: a path on this site, nothing else.

Browsers forgive a lot in a Location header: they drop tabs and line
breaks and read a backslash as a slash, so `/\\evil.example`, `/\t/evil.example`
and `//evil.example` all leave the site. Control characters would also make
the redirect itself fail. Anything that is not a plain local path falls back
to the default.
"""
from urllib.parse import urlsplit


def local_path(target: str | None, default: str) -> str:
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
