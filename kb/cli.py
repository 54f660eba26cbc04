"""Knowledge-base commands (ingest, search, stats, show, remove, reindex)."""

COMMANDS: list = []
