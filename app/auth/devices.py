"""A short, recognisable name for a login's browser ("Firefox on Windows") from its User-Agent."""

BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
            ("Chromium/", "Chromium"), ("Safari/", "Safari"), ("curl/", "curl"), ("python-requests", "Python"))
SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device_label(user_agent: str) -> str | None:
    """None when nothing is recognised; the page then shows a generic name."""
    browser = next((name for marker, name in BROWSERS if marker in (user_agent or "")), None)
    system = next((name for marker, name in SYSTEMS if marker in (user_agent or "")), None)
    if browser and system:
        return f"{browser} · {system}"
    return browser or system
