"""Fixtures of the web tests: a knowledge base built once from tests/data/web/kb.

Not a conftest.py: other test folders import their own ``conftest`` by that bare
module name, and a second conftest.py would shadow theirs. The test modules
import these fixtures by name.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "web"


@pytest.fixture(scope="session")
def web_kb(tmp_path_factory) -> Path:
    """Return the folder of a knowledge base holding the three fixture documents."""
    from kb.knowledge_base import KnowledgeBase

    root = tmp_path_factory.mktemp("web-kb") / "kb"
    source = tmp_path_factory.mktemp("web-src")
    shutil.copytree(DATA / "kb", source, dirs_exist_ok=True)
    with KnowledgeBase.open(root) as kb:
        report = kb.ingest([source])
    assert report.counts()["added"] == 3, report.failed
    return root


@pytest.fixture(scope="session")
def swap_kb(tmp_path_factory) -> Path:
    """Return the folder of a knowledge base of three speeches on 垃圾分类 (tests/data/swap).

    Each part of a draft on it has two or more candidates, for the tests of 换用.
    """
    from kb.knowledge_base import KnowledgeBase

    root = tmp_path_factory.mktemp("swap-kb") / "kb"
    with KnowledgeBase.open(root) as kb:
        report = kb.ingest([DATA.parent / "swap"])
    assert report.counts()["added"] == 3, report.failed
    return root


@pytest.fixture(scope="session")
def doc_ids(web_kb) -> dict[str, str]:
    """Return fixture file stem → document id."""
    from kb.knowledge_base import KnowledgeBase

    with KnowledgeBase.open(web_kb, create=False) as kb:
        return {Path(info.source).stem: info.doc_id for info in kb.documents()}


@pytest.fixture
def app(web_kb):
    from bigan.web import create_app

    return create_app(web_kb)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_of(client, path: str) -> str:
    """Return the CSRF token of the form on the page at ``path``."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)
