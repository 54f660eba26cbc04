"""The writing tools: 起草, 排版, 校对, and the download of generated files."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, render_template, request, send_file

from bigan.web import forms
from bigan.web.app import heavy, open_kb, public_message, state
from bigan.web.files import build_bytes, safe_name, save_upload, upload_folder
from bigan.web.present import finding_spans
from generator.errors import GeneratorError
from kb.errors import KbError
from kb.readers import SUFFIXES

blueprint = Blueprint("tools", __name__)

DRAFT_KINDS = {"speech": "讲话稿", "work_plan": "工作方案"}
FORMAT_SUFFIXES = (".txt", ".md", ".markdown", ".docx")
#: `check` reads every format the readers accept.
CHECK_SUFFIXES = tuple(SUFFIXES)


@blueprint.route("/files/<file_id>")
def download(file_id: str):
    """Send a file this server generated, found by its opaque id only."""
    entry = state().files.get(file_id)
    if entry is None:
        abort(404, description="没有这个文件：下载链接只在本次启动期间、生成后一小时内有效，请重新生成。")
    return send_file(io.BytesIO(entry.data), as_attachment=True, download_name=entry.download_name)


# -- 起草 ----------------------------------------------------------------------------------------

def _templates():
    from generator.templates import TemplateLibrary

    return TemplateLibrary()


#: What the draft form accepts: at most this many headings, this many characters in a field.
MAX_HEADINGS = 9
MAX_FIELD = 200


def _draft_form() -> dict:
    form = request.form
    lines = form.get("headings", "").splitlines()
    return {
        "kind": form.get("kind") if form.get("kind") in DRAFT_KINDS else "speech",
        "template": form.get("template", "").strip(),
        "topic": form.get("topic", "").strip(),
        "unit": form.get("unit", "").strip(),
        "meeting": form.get("meeting", "").strip(),
        "speaker": form.get("speaker", "").strip(),
        "date": form.get("date", "").strip(),
        "length": form.get("length", "").strip(),
        "headings": "\n".join(line.strip() for line in lines if line.strip()),
        "seed": form.get("seed", "").strip(),
    }


def _int_field(value: str, label: str, low: int, high: int) -> int | None:
    try:
        return forms.integer(value, label, low, high)
    except forms.FormError as error:
        raise GeneratorError(str(error)) from None


@blueprint.route("/draft", methods=["GET", "POST"])
def draft():
    """起草: the draft spec form; on submit, a preview with sources and alternatives, and downloads."""
    library = _templates()
    infos = library.infos()
    if request.method == "GET":
        return render_template("draft.html", form={"kind": "speech"}, infos=infos, kinds=DRAFT_KINDS)
    return _draft_post(library, infos)


@heavy
def _draft_post(library, infos):
    form = _draft_form()
    version = state().library.version()
    try:
        choices = _draft_choices(form, version)
        result = _make_draft(form, library, {info.name for info in infos}, choices)
    except (GeneratorError, KbError) as error:
        return render_template("draft.html", form=form, infos=infos, kinds=DRAFT_KINDS,
                               error=public_message(str(error))), 400
    from generator import write_draft

    name = result.title or "草稿"
    web = state()
    downloads = {}
    for suffix in (".docx", ".md"):
        data = build_bytes(lambda path: write_draft(result, path, sources=True), suffix, web.scratch_dir)
        downloads[suffix] = web.files.add(f"{name}{suffix}", data).file_id
    return render_template("draft.html", form=form, infos=infos, kinds=DRAFT_KINDS, result=result,
                           downloads=downloads, length=result.length(), basis=_basis(form),
                           version=version, in_use=_in_use(result))


# The writer's choices travel in the form: the draft's picks and heading set as hidden fields, the
# button pressed (换用 a candidate, 用这组 headings), the basis (a digest of the spec fields) and the
# library's version, so a choice made on one draft is never applied to a draft of another spec or
# to candidates a later ingest has reordered.
_BASIS_FIELDS = ("kind", "template", "topic", "unit", "meeting", "speaker", "date", "length",
                 "headings", "seed")


def _basis(form: dict) -> str:
    import hashlib
    import json

    data = json.dumps([form[key] for key in _BASIS_FIELDS], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def _draft_choices(form: dict, version: str):
    """Return the writer's choices from the form, or None for a new draft (生成草稿)."""
    from generator.choices import Choices, parse_pick
    from generator.spec import MAX_PARTS

    swap = request.form.get("swap", "").strip()
    heading_set = request.form.get("use_heading_set", "").strip()
    if not swap and not heading_set:
        return None
    if request.form.get("basis", "") != _basis(form):
        raise GeneratorError("起草要求已经改动，换用材料之前请先点“生成草稿”。")
    if request.form.get("library", "") != version:
        raise GeneratorError("生成草稿之后素材库有了变动，候选材料可能已经不同，请先点“生成草稿”再换用。")
    picks = {}
    for part, value in enumerate(request.form.get("picks", "").split(",")[:MAX_PARTS]):
        if value.strip():
            picks[part] = _int_field(value, "当前选材的序号", 0, 999)
    current = _int_field(request.form.get("heading_set", ""), "当前标题组的序号", 0, 99)
    if swap:
        part, pick = parse_pick(swap)
        picks[part] = pick
    chosen = _int_field(heading_set, "标题组的序号", 1, 100) - 1 if heading_set else current
    return Choices(heading_set=chosen, parts=picks)


def _in_use(result) -> dict:
    """Return (doc id, section) → the 1-based part whose material it is, to grey out in other parts."""
    used = {}
    for part, (found, pick) in enumerate(zip(result.candidates, result.picks), start=1):
        for candidate in found:
            if candidate.index == pick:
                used[(candidate.source.doc_id, candidate.source.section_path)] = part
    return used


def _make_draft(form: dict, library, names: set[str], choices=None):
    from generator import draft as make_draft
    from generator.spec import DraftSpec

    if not form["topic"]:
        raise GeneratorError("请填写主题词，如“基层党建”。")
    if form["template"] and form["template"] not in names:
        raise GeneratorError(f"没有名为“{form['template']}”的模板。")
    for key, label in (("topic", "主题词"), ("unit", "单位"), ("meeting", "会议名称"), ("speaker", "讲话人")):
        if len(form[key]) > MAX_FIELD:
            raise GeneratorError(f"{label}太长（{len(form[key])} 字），请不超过 {MAX_FIELD} 字。")
    headings = form["headings"].splitlines()
    if len(headings) > MAX_HEADINGS:
        raise GeneratorError(f"小标题最多 {MAX_HEADINGS} 个，现在有 {len(headings)} 个，请合并后再试。")
    if any(len(h) > MAX_FIELD for h in headings):
        raise GeneratorError(f"每个小标题请不超过 {MAX_FIELD} 字。")
    try:
        date = forms.date(form["date"], "日期")
    except forms.FormError as error:
        raise GeneratorError(str(error)) from None
    spec = DraftSpec().merged(
        kind=form["kind"], template=form["template"] or None, topic=(form["topic"],),
        unit=form["unit"], meeting=form["meeting"], speaker=form["speaker"], date=date,
        length=_int_field(form["length"], "字数", 300, 30000),
        headings=tuple(headings),
        seed=_int_field(form["seed"], "选材编号", 0, 10**9))
    kb = open_kb()
    if not kb.documents():
        raise GeneratorError("素材库是空的，没有可用的材料。请先到“入库”页上传材料。")
    return make_draft(spec, kb, templates=library, choices=choices)


# -- 排版 and 校对 --------------------------------------------------------------------------------

def _uploaded(suffixes: tuple[str, ...], folder: Path) -> Path:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise GeneratorError("请选择要上传的文件。")
    if not upload.filename.lower().endswith(suffixes):
        raise GeneratorError(f"只能上传 {' '.join(suffixes)} 文件，“{safe_name(upload.filename)}”不是。")
    try:
        return save_upload(upload, folder)
    except OSError as error:
        raise GeneratorError(f"无法保存上传的文件（{error.strerror or error}），请稍后再试。") from None


@blueprint.route("/format", methods=["GET", "POST"])
def format_page():
    """排版: upload a .txt/.md/.docx draft, get it back as a GB/T 9704 .docx (or .md)."""
    if request.method == "GET":
        return render_template("format.html", suffixes=FORMAT_SUFFIXES)
    return _format_post()


@heavy
def _format_post():
    from generator.format import format_document

    output = ".md" if request.form.get("output") == "md" else ".docx"
    keep_text = request.form.get("keep_text") == "1"
    web = state()
    try:
        with upload_folder(web.upload_dir) as folder:
            path = _uploaded(FORMAT_SUFFIXES, folder)
            data = build_bytes(lambda out: format_document(path, out, keep_text=keep_text), output,
                               web.scratch_dir)
    except (GeneratorError, KbError) as error:
        return render_template("format.html", suffixes=FORMAT_SUFFIXES,
                               error=public_message(str(error))), 400
    entry = web.files.add(f"{path.stem}-排版{output}", data)
    return render_template("format.html", suffixes=FORMAT_SUFFIXES, done=entry, source_name=path.name)


@blueprint.route("/check", methods=["GET", "POST"])
def check_page():
    """校对: upload a draft and see the findings beside its text."""
    if request.method == "GET":
        return render_template("check.html", suffixes=CHECK_SUFFIXES)
    from kb.proofread import check_file

    unit = request.form.get("unit", "").strip() or None
    when = request.form.get("date", "").strip() or None
    problem = _check_options(unit, when)
    if problem:
        return render_template("check.html", suffixes=CHECK_SUFFIXES, error=problem, unit=unit, date=when), 400
    try:
        with upload_folder(state().upload_dir) as folder:
            path = _uploaded(CHECK_SUFFIXES, folder)
            library = _phrase_library()
            findings = check_file(path, library=library, unit=unit, date=when)
            lines = _lines(path)
    except (GeneratorError, KbError) as error:
        return render_template("check.html", suffixes=CHECK_SUFFIXES,
                               error=public_message(str(error)), unit=unit, date=when), 400
    by_line: dict[int, list] = {}
    for finding in findings:
        by_line.setdefault(finding.line, []).append(finding)
    rows = [(n, text, finding_spans(text, by_line.get(n, ())), by_line.get(n, []))
            for n, text in enumerate(lines, start=1)]
    counts = {level: sum(1 for f in findings if f.level == level) for level in ("错误", "疑似", "提示")}
    return render_template("check.html", suffixes=CHECK_SUFFIXES, rows=rows, findings=findings,
                           counts=counts, source_name=path.name, with_library=library is not None,
                           unit=unit, date=when)


def _check_options(unit: str | None, when: str | None) -> str | None:
    """Return what is wrong with the 写稿单位 and 日期 of the 校对 form (as the CLI says it), or None."""
    import datetime

    from kb.annotate import unit_name_level

    if unit and not unit_name_level(unit):
        return f"看不出“{unit}”是哪一级单位，请写全称，如 江州市、南湖区、青山县"
    if when:
        try:
            datetime.date.fromisoformat(when)
        except ValueError:
            return f"“{when}”不是有效日期，请写成 YYYY-MM-DD，如 2026-03-18"
    return None


def _phrase_library():
    # Without a knowledge base the check still runs, only without the 提法 rules (as the CLI does).
    try:
        kb = open_kb()
    except KbError:
        return None
    return kb.phrase_library()


def _lines(path: Path) -> list[str]:
    """Return the lines the findings count: the file's lines, or the paragraphs of a .docx or a page."""
    if path.suffix.lower() not in (".txt", ".text", ".md", ".markdown"):
        from kb.readers import read_document

        return [block.text for block in read_document(path).blocks]
    from kb.proofread import read_text

    return read_text(path).removeprefix("\ufeff").splitlines()
