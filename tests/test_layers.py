"""The layers point one way: kb never imports generator, neither imports bigan; python-docx and jinja2 stay in their modules."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _sources(package):
    return sorted((ROOT / package).rglob("*.py"))


def test_kb_never_imports_generator():
    for path in _sources("kb"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+generator\b", text, re.M), path


def test_libraries_never_import_the_application():
    for package in ("kb", "generator"):
        for path in _sources(package):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"^\s*(from|import)\s+bigan\b", text, re.M), path
            assert "click" not in re.findall(r"^\s*(?:from|import)\s+(\w+)", text, re.M), path


def _modules(package):
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in _sources(package)]
    return [m[: -len(".__init__")] if m.endswith(".__init__") else m for m in modules]


def test_importing_every_library_module_loads_nothing_of_bigan():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in _modules("kb") + _modules("generator"))
            + "bad = [m for m in sys.modules if m == 'bigan' or m.startswith('bigan.')]\n"
            + "print(bad)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_importing_every_kb_module_loads_no_generator_module():
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in _sources("kb")]
    modules = [m[: -len(".__init__")] if m.endswith(".__init__") else m for m in modules]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "bad = [m for m in sys.modules if m == 'generator' or m.startswith('generator.')]\n"
            + "print(bad)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_python_docx_and_jinja2_stay_in_their_modules():
    allowed_docx = {"kb/readers/docx.py", "generator/render/_wordxml.py", "generator/render/docx.py",
                    "generator/docx_template.py", "generator/layout_check.py"}
    for package in ("kb", "generator"):
        for path in _sources(package):
            relative = path.relative_to(ROOT).as_posix()
            text = path.read_text(encoding="utf-8")
            if re.search(r"^\s*(from|import)\s+docx\b", text, re.M):
                assert relative in allowed_docx, relative
            if re.search(r"^\s*(from|import)\s+jinja2\b", text, re.M):
                assert relative == "generator/templates.py", relative
            if re.search(r"^\s*(from|import)\s+jieba\b", text, re.M):
                assert relative == "kb/analysis.py", relative
