"""An installed wheel carries the starter corpus, the templates and every data file."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("setuptools", reason="需要 setuptools")
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                             "-q", "-w", str(out), str(ROOT)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"无法构建 wheel（{result.stderr.strip().splitlines()[-1:]}）")
    return next(out.glob("bigan-*.whl"))


def test_wheel_holds_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    corpus = {p.relative_to(ROOT / "speeches").as_posix() for p in (ROOT / "speeches").rglob("*.md")}
    assert {f"bigan/speeches/{c}" for c in corpus} <= names
    templates = {p.name for p in (ROOT / "templates").glob("*.j2")}
    assert {f"generator/builtin_templates/{t}" for t in templates} <= names
    assert "generator/default_profile.toml" in names
    assert "bigan/web/templates/search.html" in names and "bigan/web/app.py" in names
    data = {f"kb/data/{p.name}" for p in (ROOT / "kb" / "data").iterdir() if p.is_file()}
    assert {"kb/data/proofread_rules.tsv", "kb/data/political_terms.tsv", "kb/data/repetitions.txt",
            "kb/data/phrase_stop.txt"} <= data <= names
    assert "generator/render/docx.py" in names and "kb/readers/docx.py" in names
    entry = [n for n in names if n.endswith("entry_points.txt")]
    assert entry and "bigan = bigan.cli:main" in zipfile.ZipFile(wheel).read(entry[0]).decode()
