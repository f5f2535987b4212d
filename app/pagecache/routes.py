"""The admin page of the page cache: is it helping (hit rate) and what does it hold (entries, bytes)."""
from flask import Blueprint, current_app, render_template

from app.staff.routes import admin_required

bp = Blueprint("pagecache", __name__, template_folder="templates")


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    return f"{size / 1048576:.1f} MiB" if size >= 1048576 else f"{size / 1024:.0f} KiB"


@bp.route("/")
@admin_required
def stats():
    cache = current_app.extensions.get("pagecache")
    figures = cache.stats() if cache is not None else None
    if figures is not None:
        looked_up = figures["hits"] + figures["misses"]
        figures["hit_rate"] = figures["hits"] / looked_up if looked_up else None
    return render_template("pagecache/stats.html", figures=figures, config=current_app.config)
