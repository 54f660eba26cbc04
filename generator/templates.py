"""Draft templates: jinja2 files that declare a skeleton and phrase the connecting text.

A template is one ``NAME.j2`` file. Its first lines are a jinja comment
holding TOML (``{#- bigan … -#}``): a description, the kind, the meeting
type, the default length and the slots in order. Its blocks phrase the
title, byline, opening, transition, closing and, for work plans, the
preamble and signature. Built-in templates and a user's folder go through
the same loader; a user's template of the same name wins. Every template
runs in jinja2's sandbox with StrictUndefined: document text is only ever
data, never template code.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from generator.errors import TemplateError

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def builtin_templates_dir() -> Path:
    """Return the folder of the built-in templates, in a checkout or an installed wheel."""
    # A checkout (or editable install) keeps templates/ beside the packages; a wheel
    # carries the same files as the package data generator.builtin_templates.
    local = _PACKAGE_ROOT / "templates"
    if local.is_dir() and (_PACKAGE_ROOT / "setup.cfg").is_file():
        return local
    return Path(__file__).resolve().parent / "builtin_templates"


_HEADER = re.compile(r"\A\{#-?\s*bigan\s*\n(?P<toml>.*?)\n\s*-?#\}", re.S)
SUFFIX = ".j2"


@dataclass(frozen=True)
class Slot:
    """One place in a template's skeleton (opening, part:任务, closing …)."""

    role: str
    key: str = ""
    words: str = ""          # search words that characterise the slot's material
    heading: str = ""        # a fixed heading (work plans); empty: the material's own heading
    match: str = ""          # regex a material heading must match (work plans)
    position: str = ""       # first / middle / last: where such parts stand in their speeches
    repeat: bool = False     # extra parts beyond the skeleton repeat this slot

    @property
    def is_part(self) -> bool:
        return self.role.startswith("part:")

    @property
    def label(self) -> str:
        return self.role.split(":", 1)[1] if self.is_part else self.role


@dataclass(frozen=True)
class TemplateInfo:
    """A template's declared skeleton and defaults."""

    name: str
    description: str
    kind: str
    occasion: str
    length: int
    slots: tuple[Slot, ...]
    path: Path
    salutation: str = ""
    builtin: bool = True

    @property
    def parts(self) -> tuple[Slot, ...]:
        return tuple(s for s in self.slots if s.is_part)


class TemplateLibrary:
    """The templates of a user folder (if any) over the built-in ones."""

    def __init__(self, builtin_dir=None, user_dir=None):
        if builtin_dir is None:
            builtin_dir = builtin_templates_dir()
        self.builtin_dir = Path(builtin_dir)
        self.user_dir = Path(user_dir) if user_dir else None
        if self.user_dir is not None and not self.user_dir.is_dir():
            raise TemplateError(f"{self.user_dir}：模板文件夹不存在")
        searchpath = [str(d) for d in (self.user_dir, self.builtin_dir) if d is not None]
        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(searchpath, encoding="utf-8"),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._infos: dict[str, TemplateInfo] = {}

    # -- finding ------------------------------------------------------------
    def names(self) -> list[str]:
        """Return the names of all templates, user templates included, sorted."""
        names = set()
        for folder in (self.builtin_dir, self.user_dir):
            if folder is not None and folder.is_dir():
                names.update(p.name[: -len(SUFFIX)] for p in folder.glob("*" + SUFFIX))
        return sorted(names, key=_template_order)

    def path(self, name: str) -> Path:
        """Return the file of a template (a user's one first)."""
        for folder in (self.user_dir, self.builtin_dir):
            if folder is not None and (folder / (name + SUFFIX)).is_file():
                return folder / (name + SUFFIX)
        raise TemplateError(f"没有名为“{name}”的模板（可用：{'、'.join(self.names())}）")

    def info(self, name: str) -> TemplateInfo:
        """Return the declared skeleton of a template."""
        if name not in self._infos:
            self._infos[name] = self._read_info(name)
        return self._infos[name]

    def infos(self) -> list[TemplateInfo]:
        return [self.info(n) for n in self.names()]

    def source(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8")

    def copy(self, name: str, folder) -> Path:
        """Copy a template into a folder for the user to edit; return the new file."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / (name + SUFFIX)
        if target.exists():
            raise TemplateError(f"{target}：文件已存在，未覆盖")
        shutil.copyfile(self.path(name), target)
        return target

    def for_spec(self, kind: str, occasion: str | None) -> str:
        """Return the name of the template for a kind of document and meeting type."""
        candidates = [i for i in self.infos() if i.kind == kind]
        if occasion:
            for info in candidates:
                if info.occasion == occasion or info.name == occasion:
                    return info.name
            for info in candidates:
                if info.occasion and (info.occasion in occasion or occasion in info.occasion):
                    return info.name
        if not candidates:
            raise TemplateError(f"没有适用于 {kind} 的模板")
        return candidates[0].name

    # -- rendering ----------------------------------------------------------
    def render_block(self, name: str, block: str, context: dict, *, required: bool = True) -> str:
        """Return the text of one block of a template, rendered with ``context``."""
        template = self._template(name)
        if block not in template.blocks:
            if required:
                raise TemplateError(f"模板“{name}”（{self.path(name)}）缺少 {{% block {block} %}}")
            return ""
        try:
            text = "".join(template.blocks[block](template.new_context(dict(context))))
        except jinja2.UndefinedError as error:
            line = _template_line(template, error)
            variable = _undefined_name(error)
            raise TemplateError(f"模板“{name}”第 {line} 行：变量 {variable} 没有定义"
                                f"（{self.path(name)}）") from None
        except jinja2.exceptions.SecurityError as error:
            raise TemplateError(f"模板“{name}”（{self.path(name)}）使用了不允许的操作：{error}") from None
        except jinja2.TemplateError as error:
            line = _template_line(template, error)
            raise TemplateError(f"模板“{name}”第 {line} 行：{error}（{self.path(name)}）") from None
        return " ".join(text.split()) if "\n" in text else text.strip()

    def _template(self, name: str) -> jinja2.Template:
        self.path(name)  # a clear error for unknown names
        try:
            return self.env.get_template(name + SUFFIX)
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(f"模板“{name}”第 {error.lineno} 行有语法错误：{error.message}"
                                f"（{error.filename or self.path(name)}）") from None

    def _read_info(self, name: str) -> TemplateInfo:
        path = self.path(name)
        text = path.read_text(encoding="utf-8")
        match = _HEADER.match(text)
        if not match:
            raise TemplateError(f"{path}：模板开头缺少 {{#- bigan … -#}} 说明块（声明骨架和默认值）")
        try:
            data = tomllib.loads(match.group("toml"))
        except tomllib.TOMLDecodeError as error:
            raise TemplateError(f"{path}：说明块不是有效的 TOML（{error}）") from None
        try:
            slots = tuple(Slot(**slot) for slot in data.get("slots", []))
        except TypeError as error:
            raise TemplateError(f"{path}：slots 中有不认识的设置（{error}）") from None
        if not any(s.is_part for s in slots):
            raise TemplateError(f"{path}：骨架里至少要有一个 part: 槽位")
        builtin = not (self.user_dir is not None and path.parent == self.user_dir)
        return TemplateInfo(name=name, description=data.get("description", ""),
                            kind=data.get("kind", "speech"), occasion=data.get("occasion", ""),
                            length=int(data.get("length", 4000)), slots=slots, path=path,
                            salutation=data.get("salutation", ""), builtin=builtin)


_ORDER = ["动员部署会", "推进会", "座谈会", "总结表彰会", "工作会议", "专题党课", "工作方案", "实施方案"]


def _template_order(name: str):
    return (_ORDER.index(name) if name in _ORDER else len(_ORDER), name)


def _template_line(template: jinja2.Template, error: Exception) -> int:
    lineno = getattr(error, "lineno", None)
    if lineno:
        return lineno
    tb = error.__traceback__
    found = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == template.filename:
            found = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return found


def _undefined_name(error: Exception) -> str:
    match = re.search(r"'([^']+)' is undefined", str(error))
    return match.group(1) if match else str(error)
