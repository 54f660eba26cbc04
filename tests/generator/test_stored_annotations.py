"""Drafting reads what ingest stored about each document and part instead of working it out again."""

from pathlib import Path

import kb.annotate
from generator import DraftSpec, draft
from generator.candidates import Library
from generator.render.markdown import render_markdown
from kb import KnowledgeBase

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "kb" / "annotate"


def test_drafting_reads_the_annotations_made_at_ingest(tmp_path, monkeypatch):
    with KnowledgeBase.open(tmp_path / "kb") as base:
        base.ingest([FIXTURES])
        spec = DraftSpec(kind="speech", topic=("防汛",), occasion="动员部署会", unit="江州市", date="2026-05-10")
        expected = render_markdown(draft(spec, base).to_document())
        assert "各级各部门要落实防汛责任人" in expected  # the fixture speech's 保障 part was chosen

        def recomputed(*args, **kwargs):
            raise AssertionError("worked out again at draft time")

        # a document's voice and level, and its parts' roles, come from the index now
        monkeypatch.setattr(kb.annotate, "annotate_document", recomputed)
        monkeypatch.setattr(kb.annotate, "register", recomputed)
        assert render_markdown(draft(spec, base).to_document()) == expected
        library = Library(base)
        doc_id = next(i.doc_id for i in base.documents() if i.doc_type == "speech")
        roles = [library.part_role(doc_id, library.document(doc_id), i, plan=False) for i in range(4)]
        assert roles == ["认识", "形势", "任务", "保障"]
        assert library.profile(doc_id).level == "区" and not library.profile(doc_id).foreign
