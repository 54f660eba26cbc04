"""Validation of what the forms and addresses carry: integers and dates, with one-line Chinese messages."""

from __future__ import annotations

import datetime
import re

#: ASCII digits only: str.isdigit() also accepts ² and ①, which int() refuses.
_INTEGER = re.compile(r"[0-9]{1,12}")
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?")


class FormError(ValueError):
    """A value of a form or an address that cannot be used; the message says which and why."""


def integer(value: str | None, label: str, low: int, high: int) -> int | None:
    """Return ``value`` as an integer in [low, high], None when empty; FormError otherwise.

    >>> integer("12", "页码", 1, 100), integer("", "页码", 1, 100)
    (12, None)
    >>> integer("²", "层级", 0, 9)
    Traceback (most recent call last):
    ...
    bigan.web.forms.FormError: 层级应为 0 到 9 之间的整数，现在是“²”。
    """
    value = (value or "").strip()
    if not value:
        return None
    if not _INTEGER.fullmatch(value) or not low <= int(value) <= high:
        raise FormError(f"{label}应为 {low} 到 {high} 之间的整数，现在是“{_shown(value)}”。")
    return int(value)


def date(value: str | None, label: str, *, partial: bool = False) -> str | None:
    """Return ``value`` as a real calendar date 2025-03-18 (2025 or 2025-03 too with ``partial``).

    >>> date("2025-3-8", "日期")
    '2025-03-08'
    >>> date("2026-02-30", "日期")
    Traceback (most recent call last):
    ...
    bigan.web.forms.FormError: 日期“2026-02-30”不存在，请写成 2025-03-18 这样的日期。
    """
    value = (value or "").strip()
    if not value:
        return None
    example = "2025、2025-03 或 2025-03-18" if partial else "2025-03-18"
    match = _DATE.fullmatch(value)
    if not match or (not partial and match.group(3) is None):
        raise FormError(f"{label}“{_shown(value)}”的格式不对，请写成 {example} 这样的日期。")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        datetime.date(year, month or 1, day or 1)
    except ValueError:
        raise FormError(f"{label}“{_shown(value)}”不存在，请写成 {example} 这样的日期。") from None
    return "-".join([f"{year:04d}"] + [f"{n:02d}" for n in (month, day) if n is not None])


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"
