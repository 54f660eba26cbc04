"""The knowledge-base pages: 检索, 文档, 提法, 入库, and the original files."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for

from bigan.web import forms
from bigan.web.app import heavy, open_kb, public_message, state
from bigan.web.files import build_bytes, extract_zip, place, safe_name, save_upload, upload_folder
from bigan.web.limits import Busy
from bigan.web.present import body_texts, heading_labels
from kb.errors import KbError, QueryError
from kb.knowledge_base import DEFAULT_MAX_FILE_BYTES, SUFFIXES
from kb.model import DOC_TYPES, ROLES

blueprint = Blueprint("library", __name__)

PER_PAGE = 20
#: Files the 入库 page accepts (those `bigan ingest` reads); a .zip is unpacked first.
INGEST_SUFFIXES = SUFFIXES


def _kb_or_none():
    # Pages that can show an empty state instead of an error when nothing was ingested yet.
    try:
        return open_kb()
    except KbError:
        return None


#: Highest page number asked for: deeper pages are refused rather than ranked.
MAX_PAGE = 10_000


def _search_form() -> dict:
    """Return the search form's values; FormError names a value that cannot be used."""
    args = request.args
    return {
        "q": args.get("q", "").strip(),
        "related": args.get("related") == "1",
        "doc_type": args.get("type") if args.get("type") in DOC_TYPES else None,
        "role": args.get("role") if args.get("role") in ROLES else None,
        "level": forms.integer(args.get("level"), "层级", 0, 9),
        "headings": args.get("headings") == "1",
        "date_from": forms.date(args.get("from"), "起始日期", partial=True),
        "date_to": forms.date(args.get("to"), "截止日期", partial=True),
        "sort": args.get("sort") if args.get("sort") in ("relevance", "date") else "relevance",
        "page": forms.integer(args.get("page"), "页码", 1, MAX_PAGE) or 1,
    }


def _page_args(form: dict) -> dict:
    """Return the address arguments of the form, for the pager's links (never the raw arguments)."""
    args = {"q": form["q"], "related": "1" if form["related"] else None, "type": form["doc_type"],
            "role": form["role"], "level": form["level"], "headings": "1" if form["headings"] else None,
            "from": form["date_from"], "to": form["date_to"],
            "sort": form["sort"] if form["sort"] != "relevance" else None}
    return {k: v for k, v in args.items() if v is not None}


@blueprint.route("/")
def search():
    """检索: one query box, the CLI's filters, highlighted hits with paging."""
    context = {"hits": [], "total": None, "error": None, "pages": 0, "stats": None,
               "doc_types": DOC_TYPES, "roles": ROLES, "per_page": PER_PAGE, "page_args": {}}
    try:
        form = _search_form()
    except forms.FormError as error:
        context.update(form=_raw_form(), error=str(error))
        return render_template("search.html", **context), 400
    context.update(form=form, page_args=_page_args(form))
    kb = _kb_or_none()
    if kb is None:
        context["error"] = "素材库还没有内容。请先到“入库”页上传材料。"
        return render_template("search.html", **context)
    if not form["q"]:
        context["stats"] = kb.stats()
        return render_template("search.html", **context)
    filters = dict(related=form["related"], doc_type=form["doc_type"], role=form["role"],
                   level=form["level"], headings=form["headings"], date_from=form["date_from"],
                   date_to=form["date_to"])
    try:
        total = kb.count(form["q"], **filters)
        hits = kb.search(form["q"], limit=form["page"] * PER_PAGE, sort=form["sort"], **filters)
    except QueryError as error:
        context["error"] = public_message(str(error))
        return render_template("search.html", **context), 400
    context.update(hits=hits[(form["page"] - 1) * PER_PAGE:], total=total,
                   pages=(total + PER_PAGE - 1) // PER_PAGE)
    return render_template("search.html", **context)


def _raw_form() -> dict:
    # The form as typed, shown again beside the message (escaped by the template).
    args = request.args
    return {"q": args.get("q", "").strip(), "related": args.get("related") == "1",
            "doc_type": None, "role": None, "level": args.get("level", ""),
            "headings": args.get("headings") == "1", "date_from": args.get("from", ""),
            "date_to": args.get("to", ""), "sort": "relevance", "page": 1}


@blueprint.route("/docs")
def documents():
    """文档: the catalogue of the knowledge base."""
    kb = _kb_or_none()
    infos = kb.documents() if kb is not None else []
    infos = sorted(infos, key=lambda i: (i.date or "", i.doc_id), reverse=True)
    return render_template("documents.html", infos=infos)


@blueprint.route("/doc/<doc_id>")
def document(doc_id: str):
    """文档: metadata, the outline as a table of contents, the full text with an anchor per passage."""
    kb = open_kb()
    info = kb.info(_doc_key(doc_id))
    doc = kb.document(info.doc_id)
    passages = kb.passages(info.doc_id)
    labels = heading_labels(passages)
    return render_template("document.html", info=info, doc=doc, passages=passages, labels=labels,
                           shown=body_texts(passages, labels), source_name=Path(info.source).name)


def _doc_key(doc_id: str) -> str:
    # Only ids (or their prefixes) from the address; a path would let a request name any file.
    if not (doc_id.isascii() and doc_id.isalnum()):
        abort(404, description=f"没有编号为“{doc_id}”的文档。")
    return doc_id


@blueprint.route("/doc/<doc_id>/original")
def original(doc_id: str):
    """Send the original file of a document, as the catalogue records it."""
    kb = open_kb()
    info = kb.info(_doc_key(doc_id))
    folder = kb.store.originals_dir.resolve()
    path = (folder / info.original).resolve() if info.original else None
    if path is None or path.parent != folder or not path.is_file():
        abort(404, description=f"文档 {info.doc_id} 的原文件没有保存（请重新入库 {Path(info.source).name}）。")
    return send_file(path, as_attachment=True, download_name=Path(info.source).name)


@blueprint.route("/doc/<doc_id>/docx")
@heavy
def relayout(doc_id: str):
    """Lay a stored document out again as a GB/T 9704 .docx and send it (built in memory, kept a while)."""
    from generator.render import render

    kb = open_kb()
    info = kb.info(_doc_key(doc_id))
    web = state()
    # The same stored version gives the same file: build it once, whoever asks again.
    key = f"doc-{info.doc_id}-{info.content_hash[:16]}"
    entry = web.files.get(key)
    if entry is None:
        document = kb.document(info.doc_id)
        data = build_bytes(lambda path: render(document, path), ".docx", web.scratch_dir)
        entry = web.files.add(f"{info.title or info.doc_id}.docx", data, file_id=key)
    return send_file(io.BytesIO(entry.data), as_attachment=True, download_name=entry.download_name)


@blueprint.route("/phrases")
def phrases():
    """提法: the phrase library with counts and dates, each linking to its search."""
    from kb.phrases import KINDS

    q = request.args.get("q", "").strip()
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    sort = "date" if request.args.get("sort") == "date" else "count"
    try:
        min_count = forms.integer(request.args.get("min"), "最少次数", 1, 1_000_000) or 1
    except forms.FormError as error:
        abort(400, description=str(error))
    kb = _kb_or_none()
    rows = []
    if kb is not None:
        rows = kb.phrase_library().query(q or None, kind=kind, min_count=min_count, sort=sort)
    return render_template("phrases.html", rows=rows[:500], total=len(rows), kinds=KINDS,
                           form={"q": q, "kind": kind, "sort": sort, "min": min_count},
                           empty=kb is None)


@blueprint.route("/ingest", methods=["GET", "POST"])
def ingest():
    """入库: upload files or a .zip; the ingest runs in the background with a progress page."""
    if request.method == "GET":
        return render_template("ingest.html", suffixes=INGEST_SUFFIXES)
    return _ingest_upload()


@heavy
def _ingest_upload():
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if not uploads:
        return render_template("ingest.html", suffixes=INGEST_SUFFIXES,
                               error="请选择要入库的文件（.txt .md .docx .html 或 .zip）。"), 400
    web = state()
    if web.jobs.full():
        raise Busy()
    doc_type = request.form.get("type") if request.form.get("type") in DOC_TYPES else None
    paths, skipped = [], []
    for upload in uploads:
        with upload_folder(web.upload_dir) as folder:
            _receive(upload, folder, web.ingest_dir, paths, skipped)
    job = web.jobs.start(web.kb_root, paths, skipped, doc_type=doc_type, hide=str(web.ingest_dir))
    return redirect(url_for("library.ingest_job", job_id=job.job_id), code=303)


def _receive(upload, folder: Path, home: Path, paths: list, skipped: list) -> None:
    """Save one upload (a .zip unpacked) into the library's upload folder ``home``.

    Adds the placed files to ``paths`` and (name, reason) pairs to ``skipped``;
    the request's own ``folder`` is removed by the caller, whatever happens.
    """
    try:
        path = save_upload(upload, folder)
    except OSError as error:
        skipped.append((safe_name(upload.filename), _disk_error(error)))
        return
    if path.suffix.lower() == ".zip":
        unpacked = folder / "unpacked"
        try:
            files, refused = extract_zip(path, unpacked, INGEST_SUFFIXES, DEFAULT_MAX_FILE_BYTES)
        except KbError as error:
            skipped.append((path.name, public_message(str(error))))
            return
        skipped.extend((f"{path.name}/{name}", reason) for name, reason in refused)
        # The zip's files go to a folder named after it (“同名（2）” when a file holds that name).
        for file in files:
            parts = file.relative_to(unpacked).parts
            try:
                paths.append(place(file, home, path.stem, *parts))
            except OSError as error:
                skipped.append((f"{path.name}/{'/'.join(parts)}", _disk_error(error)))
    elif path.suffix.lower() in INGEST_SUFFIXES:
        try:
            paths.append(place(path, home, path.name))
        except OSError as error:
            skipped.append((path.name, _disk_error(error)))
    else:
        skipped.append((path.name, f"不支持的文件类型（支持 {' '.join(INGEST_SUFFIXES)} 和 .zip）"))


def _disk_error(error: OSError) -> str:
    return f"无法保存（{error.strerror or error}），请检查磁盘空间后重试"


@blueprint.route("/ingest/<job_id>")
def ingest_job(job_id: str):
    """Show an ingest's progress (the page reloads itself) and, once done, its per-file report."""
    job = state().jobs.get(job_id)
    if job is None:
        abort(404, description="没有这次入库的记录（服务重启后记录不再保留）。")
    return render_template("ingest_job.html", job=job, hide=str(state().ingest_dir) + "/")
