"""Commands a writer runs many times a day start fast: they import no heavy library they do not use."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "kb" / "corpus"
HEAVY = ("jieba", "jinja2", "docx", "flask", "generator")

_PROBE = """
import contextlib, io, json, sys
from bigan.cli import cli
with contextlib.redirect_stdout(io.StringIO()):
    try:
        cli.main(sys.argv[1:], prog_name="bigan", standalone_mode=False)
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""


def _modules(*args) -> set[str]:
    result = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


def _loaded(*args) -> set[str]:
    return {m.split(".")[0] for m in _modules(*args)}


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lazy") / "kb"
    result = subprocess.run([sys.executable, "-m", "bigan.cli", "--kb", str(folder), "ingest", str(CORPUS)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return folder


def _a_text_file() -> Path:
    return next(iter(sorted(CORPUS.rglob("*.txt"))))


LIBRARY_COMMANDS = [
    ["stats"],
    ["search", "--count", "基层"],
    ["search", "基层", "--sort", "date"],
    ["search", "基层治理"],
    ["search", "工作", "--type", "speech", "--from", "2020", "--headings"],
    ["search", "--related", "基层", "网格"],
]
#: Modules a search process never needs: what Whoosh imports but bigan never calls (left out by
#: kb._whoosh), and the 提法 library, read only when jieba's dictionary loads.
UNUSED = ("urllib.request", "asyncio", "http.client", "email", "ssl", "whoosh.lang.morph_en",
          "whoosh.lang.porter", "whoosh.lang.dmetaphone", "kb.phrases", "kb.proofread")


@pytest.mark.parametrize("command", LIBRARY_COMMANDS, ids=lambda c: " ".join(c))
def test_library_commands_import_nothing_heavy(library, command):
    loaded = _loaded("--kb", str(library), *command)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


@pytest.mark.parametrize("command", LIBRARY_COMMANDS, ids=lambda c: " ".join(c))
def test_library_commands_import_nothing_unused(library, command):
    modules = _modules("--kb", str(library), *command)
    assert "whoosh.reading" in modules  # the command did open the library
    assert not modules & set(UNUSED), modules & set(UNUSED)


def test_whoosh_still_finds_what_it_was_loaded_without():
    # The stand-ins of kb._whoosh import the real module when called, and are gone afterwards.
    probe = ("import kb.search, sys, whoosh.query, whoosh.analysis, cached_property\n"
             "before = sorted(m for m in ('urllib.request', 'asyncio', 'whoosh.lang.porter') if m in sys.modules)\n"
             "stems = [t.text for t in whoosh.analysis.StemmingAnalyzer()('running tests')]\n"
             "forms = 'rendering' in whoosh.query.terms.variations('render')\n"
             "sync = cached_property.asyncio.iscoroutinefunction(lambda: 0)\n"
             "import urllib.request, asyncio\n"
             "real = urllib.request.urlretrieve.__module__, cached_property.asyncio.sleep is asyncio.sleep\n"
             "print(before, stems, forms, sync, real)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                            check=True)
    assert result.stdout.strip() == ("[] ['runn', 'test'] True False "
                                     "('urllib.request', True)")


def test_show_imports_nothing_heavy(library):
    from kb.knowledge_base import KnowledgeBase
    with KnowledgeBase.open(library) as kb:
        doc_id = kb.documents()[0].doc_id
    modules = _modules("--kb", str(library), "show", doc_id)
    loaded = {m.split(".")[0] for m in modules}
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert not modules & set(UNUSED), modules & set(UNUSED)


@pytest.mark.parametrize("command", ["outline", "check"])
def test_reading_one_file_imports_nothing_heavy(command):
    loaded = _loaded(command, str(_a_text_file()))
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_help_imports_no_library():
    loaded = _loaded("search", "--help")
    assert not loaded & {"jieba", "jinja2", "docx", "flask", "whoosh"}, loaded


def test_every_command_is_listed_with_its_module():
    # An unlisted command still runs (every module is loaded to find it), but slowly.
    import importlib

    from bigan.cli import _MODULES
    for module, names in _MODULES.items():
        assert tuple(c.name for c in importlib.import_module(module).COMMANDS) == names, module


def test_a_markdown_draft_imports_no_word_library(library, tmp_path):
    out = tmp_path / "讲话.md"
    loaded = _loaded("--kb", str(library), "draft", "speech", "--topic", "基层治理", "-o", str(out))
    assert out.is_file()
    assert "docx" not in loaded and "lxml" not in loaded, loaded & {"docx", "lxml"}
