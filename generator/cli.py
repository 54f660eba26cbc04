"""Generator commands (format, profile, docx-template, check-format, templates, draft)."""

COMMANDS: list = []
