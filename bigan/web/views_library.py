"""The knowledge-base pages: 检索, 文档, 提法, 入库, and the original files."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for

from bigan.web.app import open_kb, public_message, state
from bigan.web.files import extract_zip, new_upload_folder, place, save_upload
from bigan.web.present import heading_labels
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


def _search_form() -> dict:
    args = request.args
    level = args.get("level", "").strip()
    return {
        "q": args.get("q", "").strip(),
        "related": args.get("related") == "1",
        "doc_type": args.get("type") if args.get("type") in DOC_TYPES else None,
        "role": args.get("role") if args.get("role") in ROLES else None,
        "level": int(level) if level.isdigit() else None,
        "headings": args.get("headings") == "1",
        "date_from": args.get("from", "").strip() or None,
        "date_to": args.get("to", "").strip() or None,
        "sort": args.get("sort") if args.get("sort") in ("relevance", "date") else "relevance",
        "page": max(int(args["page"]), 1) if args.get("page", "").isdigit() else 1,
    }


@blueprint.route("/")
def search():
    """检索: one query box, the CLI's filters, highlighted hits with paging."""
    form = _search_form()
    context = {"form": form, "hits": [], "total": None, "error": None, "pages": 0, "stats": None,
               "doc_types": DOC_TYPES, "roles": ROLES, "per_page": PER_PAGE}
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
    return render_template("document.html", info=info, doc=doc, passages=passages,
                           labels=heading_labels(passages), source_name=Path(info.source).name)


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
def relayout(doc_id: str):
    """Lay a stored document out again as a GB/T 9704 .docx and send it."""
    from generator.render import render

    kb = open_kb()
    info = kb.info(_doc_key(doc_id))
    entry = state().files.reserve(f"{info.title or info.doc_id}.docx")
    render(kb.document(info.doc_id), entry.path)
    return redirect(url_for("tools.download", file_id=entry.file_id), code=303)


@blueprint.route("/phrases")
def phrases():
    """提法: the phrase library with counts and dates, each linking to its search."""
    from kb.phrases import KINDS

    q = request.args.get("q", "").strip()
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    sort = "date" if request.args.get("sort") == "date" else "count"
    min_count = request.args.get("min", "1")
    min_count = max(int(min_count), 1) if min_count.isdigit() else 1
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
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if not uploads:
        return render_template("ingest.html", suffixes=INGEST_SUFFIXES,
                               error="请选择要入库的文件（.txt .md .docx .html 或 .zip）。"), 400
    doc_type = request.form.get("type") if request.form.get("type") in DOC_TYPES else None
    web = state()
    paths, skipped = [], []
    for upload in uploads:
        folder = new_upload_folder(web.upload_dir)
        path = save_upload(upload, folder)
        if path.suffix.lower() == ".zip":
            try:
                files, refused = extract_zip(path, folder / "unpacked", INGEST_SUFFIXES,
                                             DEFAULT_MAX_FILE_BYTES)
            except KbError as error:
                skipped.append((path.name, public_message(str(error))))
                continue
            finally:
                path.unlink(missing_ok=True)
            paths.extend(place(f, web.ingest_dir / path.stem / f.relative_to(folder / "unpacked"))
                         for f in files)
            skipped.extend((f"{path.name}/{name}", reason) for name, reason in refused)
        elif path.suffix.lower() in INGEST_SUFFIXES:
            paths.append(place(path, web.ingest_dir / path.name))
        else:
            path.unlink(missing_ok=True)
            skipped.append((path.name, f"不支持的文件类型（支持 {' '.join(INGEST_SUFFIXES)} 和 .zip）"))
    job = web.jobs.start(web.kb_root, paths, skipped, doc_type=doc_type, hide=str(web.ingest_dir))
    return redirect(url_for("library.ingest_job", job_id=job.job_id), code=303)


@blueprint.route("/ingest/<job_id>")
def ingest_job(job_id: str):
    """Show an ingest's progress (the page reloads itself) and, once done, its per-file report."""
    job = state().jobs.get(job_id)
    if job is None:
        abort(404, description="没有这次入库的记录（服务重启后记录不再保留）。")
    return render_template("ingest_job.html", job=job, hide=str(state().ingest_dir) + "/")
