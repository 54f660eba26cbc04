"""The knowledge base keeps its 提法 library up to date and feeds it to the segmenter."""

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from bigan.cli import cli
from kb import KnowledgeBase
from kb.analysis import words

SPEECH = """在×区社区治理推进会上的讲话

同志们：

今天召开推进会。下面，我讲两点意见。

一、提高认识

全面推行“三社联动”，深化“邻里议事厅”建设，压实一岗双责。

二、狠抓落实

各街道要把三社联动落到实处，让“邻里议事厅”常态运转。

同志们，让我们一起努力！
"""


def test_phrase_library_follows_ingest_and_remove(tmp_path):
    (tmp_path / "a.txt").write_text(SPEECH, encoding="utf-8")
    (tmp_path / "b.txt").write_text(SPEECH.replace("推进会", "座谈会").replace("三社联动落到实处", "工作落到实处"),
                                    encoding="utf-8")
    with KnowledgeBase.open(tmp_path / "kb") as kb:
        kb.ingest([tmp_path / "a.txt"])
        library = kb.phrase_library()
        assert library.get("三社联动").count == 2
        assert library.get("邻里议事厅").kind == "quoted"
        assert (tmp_path / "kb" / "phrases.json").exists()
        kb.ingest([tmp_path / "b.txt"])
        assert kb.phrase_library().get("三社联动").doc_count == 2
        kb.remove(str(tmp_path / "a.txt"))
        assert kb.phrase_library().get("三社联动").doc_count == 1
    # a fresh process reads the saved library, and the phrases are words for ranking
    with KnowledgeBase.open(tmp_path / "kb") as kb:
        assert kb.phrase_library().get("三社联动").doc_count == 1
        kb.search("三社联动")
        assert "邻里议事厅" in words("深化邻里议事厅建设")


def test_a_search_reads_no_phrases_yet_the_segmenter_gets_them(tmp_path):
    # Searching never segments (issue 18), so a fresh process reads the 提法 and words.txt
    # only when jieba's dictionary loads; they must still be words for it then.
    (tmp_path / "a.txt").write_text(SPEECH, encoding="utf-8")
    with KnowledgeBase.open(tmp_path / "kb") as kb:
        kb.ingest([tmp_path / "a.txt"])
    (tmp_path / "kb" / "words.txt").write_text("网格议事会\n", encoding="utf-8")
    probe = (
        "import sys\n"
        "from kb.knowledge_base import KnowledgeBase\n"
        "from kb.analysis import words\n"
        "with KnowledgeBase.open(sys.argv[1], create=False) as kb:\n"
        "    hits = len(kb.search('三社联动'))\n"
        "    read = 'kb.phrases' in sys.modules or 'jieba' in sys.modules\n"
        "    cut = words('深化邻里议事厅建设，开好网格议事会')\n"
        "    print(hits, read, '邻里议事厅' in cut, '网格议事会' in cut)\n")
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "kb")], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.split() == ["2", "False", "True", "True"]


def test_damaged_phrase_library_is_rebuilt(tmp_path):
    (tmp_path / "a.txt").write_text(SPEECH, encoding="utf-8")
    with KnowledgeBase.open(tmp_path / "kb") as kb:
        kb.ingest([tmp_path / "a.txt"])
    (tmp_path / "kb" / "phrases.json").write_text("{not json", encoding="utf-8")
    with KnowledgeBase.open(tmp_path / "kb") as kb:
        assert kb.phrase_library().get("三社联动").count == 2


def test_cli_phrases_over_a_knowledge_base(tmp_path):
    (tmp_path / "a.txt").write_text(SPEECH, encoding="utf-8")
    runner = CliRunner()
    kb = str(tmp_path / "kb")
    assert runner.invoke(cli, ["--kb", kb, "ingest", str(tmp_path / "a.txt")]).exit_code == 0
    result = runner.invoke(cli, ["--kb", kb, "phrases", "三社"])
    assert result.exit_code == 0 and result.stdout.startswith("三社联动")
    result = runner.invoke(cli, ["--kb", kb, "phrases", "--kind", "quoted", "--json"])
    assert [p["text"] for p in __import__("json").loads(result.stdout)] == ["邻里议事厅"]
