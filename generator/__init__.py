"""bigan's draft generator and renderers (Markdown, GB/T 9704 .docx). Imports kb, never the reverse.

>>> from generator import DraftSpec
>>> DraftSpec(kind="speech", topic=("基层党建",)).length is None
True
"""

from generator.errors import GeneratorError, ProfileError, RenderError, TemplateError
from generator.choices import Choices
from generator.model import Draft, DraftParagraph, DraftPart, PartCandidate, Source
from generator.spec import DraftSpec, load_spec

__all__ = ["Choices", "Draft", "DraftParagraph", "DraftPart", "DraftSpec", "GeneratorError",
           "PartCandidate", "ProfileError", "RenderError", "Source", "TemplateError", "draft",
           "draft_outline", "load_spec", "write_draft"]


def draft(spec: DraftSpec, kb, *, templates=None, choices: Choices | None = None) -> Draft:
    """Return a draft assembled from the knowledge base ``kb`` (a kb.KnowledgeBase) as ``spec`` asks.

    ``templates`` is a TemplateLibrary, a folder of the user's templates, or
    None for the built-in ones. ``choices`` swaps in the writer's picks: a
    part's other candidate (``Draft.candidates``) or another heading set
    (``Draft.heading_sets``); the draft is adapted as any other.
    """
    from dataclasses import replace

    result = _chain(spec, kb, templates, choices=choices)
    length, target = result.length(), result.target_length
    if target and length < 0.6 * target and not result.shortfalls:
        # honest material ran out before the length did: say so rather than pad with other topics
        note = (f"素材库中与“{'、'.join(spec.topic)}”直接相关的素材有限，稿子约 {length} 字"
                f"（目标 {target} 字），请补充")
        result = replace(result, warnings=result.warnings + (note,))
    return result


def _chain(spec: DraftSpec, kb, templates, *, outline_only: bool = False, choices=None) -> Draft:
    # spec → plan (template skeleton, slots) → assemble (candidates, one selection, composed
    # headings, length) → adapt (unit level, dates, occasion, counts, numbering); render is write_draft
    from generator.adapt import adapt
    from generator.assemble import assemble
    from generator.plan import plan_draft

    plan = plan_draft(spec, _library(templates))
    return adapt(assemble(plan, kb, outline_only=outline_only, choices=choices), spec)


def draft_outline(spec: DraftSpec, kb, *, templates=None, choices: Choices | None = None) -> Draft:
    """Return just the 提纲: the heading of each part (with alternatives and parallel sets), no body text."""
    return _chain(spec, kb, templates, outline_only=True, choices=choices)


def write_draft(result: Draft, path, *, sources: bool = True, profile=None):
    """Write a draft as .docx or .md (by extension), with each paragraph's source unless told not to."""
    from generator.render import render

    return render(result.to_document(), path, profile=profile,
                  comments=result.sources() if sources else None)


def _library(templates):
    from generator.templates import TemplateLibrary

    if templates is None or isinstance(templates, (str, bytes)) or hasattr(templates, "__fspath__"):
        return TemplateLibrary(user_dir=templates)
    return templates
