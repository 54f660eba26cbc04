"""Bytes to text: byte-order marks, UTF-16 without BOM, UTF-8, GB18030 and Big5 told apart."""

from __future__ import annotations

import codecs
import re
import functools

from kb.errors import ReadError

#: Codec names users pass for GBK text; GB18030 is their superset, so decoding never loses.
_GB_ALIASES = {"gb2312", "gbk", "cp936", "ms936", "euc-cn", "euccn", "gb18030"}

_UNKNOWN_REASON = "看起来不是文本文件，无法识别文件编码"
_UNKNOWN_HINT = "如是文本，请用 --encoding gb18030 等指定编码"

#: Share of non-ASCII characters that must be common CJK characters or punctuation
#: before a guessed legacy encoding is believed.
_MIN_SCORE = 0.5

_HAN = re.compile("[\u3400-\u9fff]")

#: How much text the scoring looks at; enough to tell encodings apart, cheap on 50 MB files.
_SAMPLE_CHARS = 20_000


def decode_bytes(data: bytes, path, encoding: str | None = None) -> str:
    """Return ``data`` decoded, detecting the encoding unless ``encoding`` names one.

    Raises ReadError naming ``path`` when the bytes are not text in any encoding tried,
    or when ``encoding`` is unknown or wrong.

    >>> decode_bytes("公文".encode("gb18030"), "a.txt")
    '公文'
    >>> decode_bytes(codecs.BOM_UTF16_LE + "讲话".encode("utf-16-le"), "a.txt")
    '讲话'
    """
    if encoding:
        return _decode_declared(data, path, encoding)
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            text = _try_decode(data[len(bom):], codec)
            if text is None or _too_many_controls(text):
                raise ReadError(path, _UNKNOWN_REASON, _UNKNOWN_HINT)
            return text
    if b"\x00" in data:
        try:
            return _decode_utf16_without_bom(data, path)
        except ReadError:
            pass  # stray NULs in 8-bit text (a bad export); the control check below still refuses binary
    text = _try_decode(data, "utf-8")
    if text is not None:
        if _too_many_controls(text):
            raise ReadError(path, _UNKNOWN_REASON, _UNKNOWN_HINT)
        if text.isascii() or _HAN.search(text) or sum(not c.isascii() for c in text) > 4 \
                or any(c.isascii() and c.isalpha() for c in text):
            return text
        # A few GBK characters can also be valid UTF-8 (D1 B9 is both 压 and ѹ): a very
        # short non-ASCII text without a single Chinese character is suspect.
        try:
            other = _best_candidate(data, path, ["gb18030", "cp950"])
        except ReadError:
            return text
        return other if text_score(other) > text_score(text) else text
    return _best_candidate(data, path, ["gb18030", "cp950"])


def _decode_declared(data: bytes, path, encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ReadError(path, f"不认识的编码名称“{encoding}”",
                        "常用的编码有 utf-8、gb18030、big5、utf-16") from None
    if name in _GB_ALIASES:
        name = "gb18030"
    elif name == "utf-8":
        name = "utf-8-sig"
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        raise ReadError(path, f"无法按 {encoding} 编码解码（第 {exc.start} 字节出错）",
                        "请换一种编码，或不指定编码让程序自动识别") from None


def _try_decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _decode_utf16_without_bom(data: bytes, path) -> str:
    sample = data[:65536]
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    # ASCII characters in UTF-16 LE put their zero byte at odd offsets; try the likelier
    # order first. Binary files fail both: invalid surrogates, controls, or a low score.
    order = ["utf-16-le", "utf-16-be"] if odd >= even else ["utf-16-be", "utf-16-le"]
    return _best_candidate(data, path, order)


def _best_candidate(data: bytes, path, codec_names: list[str]) -> str:
    best_text, best_score = None, -1.0
    for codec in codec_names:
        text = _try_decode(data, codec)
        if text is None or _too_many_controls(text):
            continue
        score = text_score(text)
        if score > best_score:  # ties keep the earlier, more common encoding
            best_text, best_score = text, score
    if best_text is None or best_score < _MIN_SCORE:
        raise ReadError(path, _UNKNOWN_REASON, _UNKNOWN_HINT)
    return best_text


def text_score(text: str) -> float:
    """Return the share of non-ASCII characters in ``text`` that are common Chinese characters or punctuation.

    Mojibake (text decoded with the wrong codec) is full of rare characters, symbols and
    private-use code points, so it scores low.

    >>> text_score("加强组织领导，确保工作落实。")
    1.0
    >>> text_score("國務院各部委要加強組織領導")
    1.0
    >>> round(text_score("國務院各部委要加強組織領導".encode("big5").decode("gb18030")), 2)
    0.54
    """
    sample = text[:_SAMPLE_CHARS]
    wide = [ch for ch in sample if ord(ch) > 0x7F]
    if not wide:
        return 1.0
    return sum(1 for ch in wide if _is_common(ch)) / len(wide)


_COMMON_SYMBOLS = frozenset("·×÷°±‰§№℃…—–‘’“”‖※→←↑↓△▲□■○●◎◇◆★☆\u00a0")


@functools.lru_cache(maxsize=8192)
def _is_common(ch: str) -> bool:
    code = ord(ch)
    if 0x3000 <= code <= 0x3017 and code not in (0x3004, 0x3005, 0x3006, 0x3012, 0x3013):
        return True  # CJK punctuation: 、。〈〉《》「」『』【】〔〕〖〗 and the ideographic space
    if 0xFF01 <= code <= 0xFF5E or 0x2160 <= code <= 0x216B:
        return True  # full-width forms, Roman numerals
    if 0x2460 <= code <= 0x2487 or ch in _COMMON_SYMBOLS:
        return True  # ① ⑴ and the symbols official texts use
    if not 0x4E00 <= code <= 0x9FFF:
        return False
    # The first level of GB2312 holds the 3,755 most used simplified characters; Big5's
    # A4-C6 rows hold the 5,401 common traditional ones. Mojibake lands mostly elsewhere.
    try:
        if 0xB0 <= ch.encode("gb2312")[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        return 0xA4 <= ch.encode("cp950")[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def _too_many_controls(text: str) -> bool:
    sample = text[:_SAMPLE_CHARS * 5]
    controls = sum(1 for ch in sample
                   if (ord(ch) < 0x20 and ch not in "\t\n\r\f\v") or 0x7F <= ord(ch) <= 0x9F)
    return controls > max(8, len(sample) // 100)
