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

import contextvars
import math
import operator
import re
import shutil
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2.compiler import CodeGenerator
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
        self.env = _LimitedEnvironment(
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
            text = _run_limited(template.blocks[block](template.new_context(dict(context))))
        except _LimitExceeded as error:
            line = _template_line(template, error)
            where = f"第 {line} 行" if line else f"的 {block} 块"
            raise TemplateError(f"模板“{name}”{where}：{error}（{self.path(name)}）") from None
        except RecursionError:
            raise TemplateError(f"模板“{name}”（{self.path(name)}）调用自身过深（宏或循环无限递归），"
                                "请检查模板") from None
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
        except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as error:
            # A template is the user's own code: 1/0 or "a" + 1 there is the template's
            # error, reported in one line like any other (bugs of ours stay tracebacks).
            line = _template_line(template, error)
            raise TemplateError(f"模板“{name}”第 {line} 行运行出错：{type(error).__name__}: {error}"
                                f"（{self.path(name)}）") from None
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


# -- limits ---------------------------------------------------------------------------------
# The sandbox keeps a template from reaching files and Python internals; these limits keep it
# from taking the machine: a block runs at most TIME_LIMIT seconds, and no string, list or
# number it builds grows past MAX_SIZE characters (items, digits).

TIME_LIMIT = 5.0
MAX_SIZE = 1_000_000
_MAX_BITS = 100_000  # about 30,000 decimal digits
_budget: contextvars.ContextVar[float] = contextvars.ContextVar("template_deadline", default=math.inf)


class _LimitExceeded(Exception):
    """A template ran too long or built something too large."""


def _too_big() -> _LimitExceeded:
    return _LimitExceeded(f"生成的内容过大（超过 {MAX_SIZE:,} 个字符或元素的上限），请检查模板中的循环和重复")


def _tick() -> None:
    if time.monotonic() > _budget.get():
        raise _LimitExceeded(f"运行超过 {TIME_LIMIT:g} 秒的上限，请检查模板中的循环")


def _checked(value):
    if isinstance(value, (str, list, tuple, dict, set)) and len(value) > MAX_SIZE:
        raise _too_big()
    if isinstance(value, int) and value.bit_length() > _MAX_BITS:
        raise _too_big()
    return value


def _run_limited(chunks) -> str:
    """Return the joined output of a render generator, within the time and size limits."""
    token = _budget.set(time.monotonic() + TIME_LIMIT)
    try:
        out, size = [], 0
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_SIZE:
                raise _too_big()
            _tick()
            out.append(chunk)
        return "".join(out)
    finally:
        _budget.reset(token)


def _limited_iter(iterable):
    """Yield the items of a template loop, checking the time limit at each one."""
    for item in iterable:
        _tick()
        yield item


def _limited_range(*args):
    numbers = range(*args)
    if len(numbers) > MAX_SIZE:
        raise _too_big()
    return numbers


def _size_of(value) -> int:
    return len(value) if isinstance(value, (str, list, tuple)) else 0


def _widths(*args, **kwargs) -> None:
    """Refuse a width or count argument that would build more than MAX_SIZE."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
            raise _too_big()


#: A width or precision of 7 digits or more in a format string: {:>999999999}, %999999999s.
_HUGE_FORMAT = re.compile(r"\{[^{}]*:[^{}]*\d{7}[^{}]*\}|%[-+ #0]*\d{7}|%[-+ #0]*\d*\.\d{7}")


def _format_string(text, *args, **kwargs) -> None:
    if isinstance(text, str) and _HUGE_FORMAT.search(text):
        raise _too_big()
    if isinstance(text, str) and "*" in text:  # widths given as arguments: "%*s" % (10**9, x)
        _widths(*args, *(a for arg in args if isinstance(arg, tuple) for a in arg), **kwargs)


def _value_widths(value, *args, **kwargs) -> None:
    _widths(*args, **kwargs)


def _check_join(value, separator="", *args, **kwargs) -> None:
    count = len(value) if hasattr(value, "__len__") else 0
    if count * len(str(separator)) > MAX_SIZE:
        raise _too_big()


def _check_replace(value, old="", new="", *args, **kwargs) -> None:
    text, old, new = str(value), str(old), str(new)
    if len(new) > len(old) and len(text) + (text.count(old) if old else len(text) + 1) * (
            len(new) - len(old)) > MAX_SIZE:
        raise _too_big()


def _limited_filter(function, check):
    """Return ``function`` (a jinja filter) with ``check`` run on its value and arguments first."""
    skip = 1 if hasattr(function, "jinja_pass_arg") else 0  # the context or environment

    def wrapper(*args, **kwargs):
        check(*args[skip:], **kwargs)
        _tick()
        return _checked(function(*args, **kwargs))

    wrapper.__name__ = getattr(function, "__name__", "filter")
    if skip:
        wrapper.jinja_pass_arg = function.jinja_pass_arg
    return wrapper


#: The filters whose arguments can ask for a huge result, with the check of those arguments.
_LIMITED_FILTERS = {"center": _value_widths, "indent": _value_widths, "wordwrap": _value_widths,
                    "truncate": _value_widths, "batch": _value_widths, "slice": _value_widths,
                    "format": _format_string, "join": _check_join, "replace": _check_replace}


class _LimitedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with a time check in every loop and a size check on every ``~``."""

    def visit_For(self, node, frame):
        self._loop_iters = getattr(self, "_loop_iters", set()) | {id(node.iter)}
        super().visit_For(node, frame)

    def visit(self, node, *args, **kwargs):
        if id(node) in getattr(self, "_loop_iters", ()):
            self.write("environment.limited_iter(")
            super().visit(node, *args, **kwargs)
            self.write(")")
            return None
        return super().visit(node, *args, **kwargs)

    def visit_Concat(self, node, frame):
        self.write("environment.checked(")
        super().visit_Concat(node, frame)
        self.write(")")


class _LimitedEnvironment(SandboxedEnvironment):
    """The sandbox, with time and size limits on loops, operators, string methods and filters."""

    code_generator_class = _LimitedCodeGenerator
    intercepted_binops = frozenset(["*", "**", "+", "%", "//"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.globals["range"] = _limited_range
        for name, check in _LIMITED_FILTERS.items():
            self.filters[name] = _limited_filter(self.filters[name], check)
        self.limited_iter = _limited_iter
        self.checked = _checked

    def call_binop(self, context, op, left, right):
        _tick()
        if op == "*":
            for seq, times in ((left, right), (right, left)):
                if _size_of(seq) and isinstance(times, int) and _size_of(seq) * times > MAX_SIZE:
                    raise _too_big()
            if isinstance(left, int) and isinstance(right, int) and \
                    left.bit_length() + right.bit_length() > _MAX_BITS:
                raise _too_big()
        elif op == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 \
                and abs(left) > 1 and right * abs(left).bit_length() > _MAX_BITS:
            raise _too_big()
        elif op == "%":
            _format_string(left, right)
        return _checked(super().call_binop(context, op, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (jinja's own signature)
        _tick()
        # str.format comes wrapped by the sandbox (its own formatter): look through the wrapper.
        owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        if isinstance(owner, str):
            # "x".ljust(10**9), "{:>999999999}".format(x): refused before Python builds them.
            _widths(*args, **kwargs)
            if getattr(__obj, "__name__", "") in ("format", "format_map"):
                _format_string(owner)
        return _checked(super().call(__context, __obj, *args, **kwargs))


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
