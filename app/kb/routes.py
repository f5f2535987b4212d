"""Routes of the kb area."""
