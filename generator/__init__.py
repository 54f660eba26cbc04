"""bigan's draft generator and renderers (Markdown, GB/T 9704 .docx). Imports kb, never the reverse."""
