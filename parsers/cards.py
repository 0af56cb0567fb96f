"""Readers for identity documents by their printed anchors: ID card sides, licence, code certificate.

They take the page's lines (text with the engine's confidence, in reading order) and return the
fields that `intake parse` reports for each kind: an ID front gives name, id_number, birth_date,
address; a back gives issuer, valid_until; a licence gives credit_code (or, on a pre-2015
licence, registration_number), subject_name, legal_representative; an organisation code certificate gives credit_code and subject_name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from parsers.model import FieldReading
from parsers.values import (
    FAILED_CHECK_CONFIDENCE,
    HIGH_CONFIDENCE,
    credit_code_valid,
    id_number_valid,
    normalise_credit_code,
    normalise_date,
    normalise_id_number,
    simplified,
)
from vocabulary.documents import DocumentKind
from vocabulary.surnames import has_known_surname


@dataclass(frozen=True)
class Line:
    """One line of a page with the lowest engine confidence of its parts."""

    text: str
    confidence: float = 1.0


# spaces and the stray quotes OCR scatters between characters
_STRAYS = re.compile(r"[\s\u3000\"“”‘’]+")
# marks stamped over copies, never part of a value
_WATERMARKS = re.compile(r"样本|仅供[^，。,]{0,16}使用|复印无效|与原件一致|复印件")

ETHNICITIES = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
]
_TRADITIONAL = str.maketrans("漢滿維壯錫倫爾賽魯東納頗達僳瑤畬", "汉满维壮锡伦尔赛鲁东纳颇达僳瑶畲")

FRONT_ANCHORS = {
    "name": ("姓名",),
    "gender": ("性别",),
    "ethnicity": ("民族",),
    "birth_date": ("出生日期", "出生"),
    "address": ("住址",),
    "id_number": ("公民身份号码", "公民身份证号码", "身份号码"),
}
BACK_ANCHORS = {"issuer": ("签发机关",), "valid_until": ("有效期限", "有效期至", "有效期")}
LICENCE_ANCHORS = {
    "credit_code": ("统一社会信用代码",),
    "registration_number": ("注册号",),
    "subject_name": ("名称", "企业名称"),
    "type": ("类型",),
    "legal_representative": (
        "法定代表人姓名",
        "法定代表人",
        "负责人姓名",
        "负责人",
        "经营者姓名",
        "经营者",
        "投资人",
        "执行事务合伙人",
    ),
    "capital": ("注册资本",),
    "founded": ("成立日期", "注册日期"),
    "term": ("营业期限",),
    "address": ("住所", "经营场所", "营业场所"),
    "scope": ("经营范围",),
    "form": ("组成形式",),
    "registrar": ("登记机关",),
}
ORG_CODE_ANCHORS = {
    "subject_name": ("机构名称", "名称"),
    "credit_code": ("代码", "机构代码"),
    "type": ("机构类型", "类型"),
    "address": ("地址",),
    "term": ("有效期", "有效期限"),
    "legal_representative": ("法定代表人", "负责人"),
    "issuer": ("颁发单位", "登记号"),
}


def _plain(text: str) -> str:
    return _WATERMARKS.sub("", _STRAYS.sub("", text)).replace("：", ":")


def snap_ethnicity(text: str) -> str | None:
    """One of the 56 ethnic groups (without 族), traditional characters made simplified."""
    value = text.translate(_TRADITIONAL).removesuffix("族")
    return value if value in ETHNICITIES else None


def anchored_values(
    lines: Sequence[Line],
    anchors: dict[str, tuple[str, ...]],
    continued: frozenset[str] = frozenset(),
) -> dict[str, list[tuple[str, float]]]:
    """Every value after each anchor, up to the next anchor, in reading order.

    An anchor alone on its line takes the next line; a key in `continued` (an address that
    wraps) also takes the following lines that hold no anchor.
    """
    variants = sorted(
        ((a, key) for key, names in anchors.items() for a in names), key=lambda p: -len(p[0])
    )
    pattern = re.compile("|".join(_anchor_pattern(a) for a, _ in variants))
    by_anchor = dict(variants)
    found: dict[str, list[tuple[str, float]]] = {}
    plains = [_plain(line.text) for line in lines]
    for index, plain in enumerate(plains):
        matches = list(pattern.finditer(plain))
        for position, match in enumerate(matches):
            key = by_anchor.get(match.group(0)) or _near_anchor(match.group(0), by_anchor)
            last = position + 1 == len(matches)
            end = len(plain) if last else matches[position + 1].start()
            value = plain[match.end() : end].strip(":：")
            confidence = lines[index].confidence
            following = index + 1
            if (
                not value
                and last
                and following < len(lines)
                and not pattern.search(plains[following])
            ):
                value, confidence = plains[following], lines[following].confidence
                following += 1
            if key in continued and last and value:
                while (
                    following < len(lines)
                    and plains[following]
                    and not pattern.search(plains[following])
                ):
                    value += plains[following]
                    confidence = min(confidence, lines[following].confidence)
                    following += 1
            if value:
                found.setdefault(key, []).append((value, confidence))
    return found


def _anchor_pattern(anchor: str) -> str:
    """An anchor, and for anchors of four characters or more, the anchor with any one character
    misread (签发机关 read as 苇发机关, 公民身份号码 as 公民身份S码)."""
    exact = re.escape(anchor)
    if len(anchor) < 4:
        return exact
    misread = [
        re.escape(anchor[:i]) + r"[^\s:：]" + re.escape(anchor[i + 1 :]) for i in range(len(anchor))
    ]
    return "|".join([exact, *misread])


def _near_anchor(text: str, by_anchor: dict[str, str]) -> str:
    """The key of the anchor that `text` (an anchor with one character misread) stands for."""
    for anchor, key in by_anchor.items():
        if len(anchor) == len(text) and sum(a != b for a, b in zip(anchor, text, strict=True)) <= 1:
            return key
    raise KeyError(text)


def _first(found: dict[str, list[tuple[str, float]]], key: str) -> FieldReading | None:
    if key not in found:
        return None
    value, confidence = found[key][0]
    value = trim_marks(value)
    if not value:
        return None
    return FieldReading(simplified(cjk_brackets(value)), round(confidence, 3))


_EDGE_MARKS = " \"'“”‘’，,.。、|｜:：;；_~-—"


def trim_marks(text: str) -> str:
    """A value without the stray quotes, commas and bars OCR puts at its ends."""
    return text.strip(_EDGE_MARKS)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def cjk_brackets(text: str) -> str:
    """Brackets around or beside Chinese text written full-width, as printed: OCR often reads
    one of a pair half-width."""
    out: list[str] = []
    open_full = False
    for index, ch in enumerate(text):
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if ch in "(（〈":
            open_full = ch == "（" or _is_cjk(before) or _is_cjk(after)
            out.append("（" if open_full else "(")
        elif ch in ")）〉":
            full = ch == "）" or open_full or _is_cjk(before) or _is_cjk(after)
            out.append("）" if full else ")")
            open_full = False
        else:
            out.append(ch)
    return "".join(out)


def _checked(value: str, ok: bool, confidence: float) -> FieldReading:
    if ok:
        return FieldReading(value, round(max(confidence, HIGH_CONFIDENCE), 3))
    return FieldReading(value, round(min(confidence, FAILED_CHECK_CONFIDENCE), 3))


def _find_id_number(lines: Sequence[Line]) -> FieldReading | None:
    for line in lines:
        number = normalise_id_number(_plain(line.text).upper())
        if number and len(number) == 18:
            return _checked(number, id_number_valid(number), line.confidence)
    return None


def read_id_front(lines: Sequence[Line]) -> dict[str, FieldReading]:
    """Name, gender, ethnicity, birth date, address and ID number from the portrait side."""
    found = anchored_values(lines, FRONT_ANCHORS)
    fields: dict[str, FieldReading] = {}
    name = _first(found, "name")
    if name:
        fields["name"] = name
    for raw, conf in found.get("gender", []):
        if raw[:1] in ("男", "女"):
            fields["gender"] = FieldReading(raw[:1], round(conf, 3))
            break
    for raw, conf in found.get("ethnicity", []):
        ethnicity = snap_ethnicity(raw)
        if ethnicity:
            fields["ethnicity"] = FieldReading(ethnicity, round(conf, 3))
            break
    for raw, conf in found.get("birth_date", []):
        day = normalise_date(raw)
        if day:
            fields["birth_date"] = FieldReading(day, round(conf, 3))
            break
    address = _address(lines)
    if address:
        fields["address"] = address
    number = _find_id_number(lines)
    if number:
        fields["id_number"] = number
    if "name" not in fields and number and id_number_valid(number.value):
        guess = unlabelled_name(lines)
        if guess:
            fields["name"] = guess
    return fields


UNLABELLED = 0.7
"""The highest confidence of a name found by its place, its label unread: below review."""

_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")


def unlabelled_name(lines: Sequence[Line]) -> FieldReading | None:
    """The name of a card photo too small for its labels (姓名 read as ``本``, or not at all):
    the first line, when it is short and, with at most two characters of a garbled label cut
    from its start, a name of two to four characters with a known family name. Kept below the
    review threshold: nothing but its place says it is the name."""
    for line in lines:
        plain = _plain(line.text)
        if not plain:
            continue
        if len(plain) > 6:
            return None
        for cut in range(3):
            name = plain[cut:]
            if _CJK_NAME.fullmatch(name) and has_known_surname(name):
                return FieldReading(name, round(min(line.confidence, UNLABELLED), 3))
        return None
    return None


_NUMBER_PIECE = re.compile(r"\d{6,}|复印|印无效")
"""What ends an address: the number line, or a piece of it that a stamp over the number broke
off (``复印看0526018``): no house number runs to six digits."""


def _address(lines: Sequence[Line]) -> FieldReading | None:
    """住址 and its continuation lines, up to the ID number line."""
    parts: list[str] = []
    confidence = 1.0
    collecting = False
    for line in lines:
        plain = _plain(line.text)
        if not collecting:
            start = plain.find("住址")
            if start < 0:
                continue
            collecting = True
            plain = plain[start + 2 :].lstrip(":：")
        elif any(
            anchor in plain for anchor in ("公民身份", "身份号码", "姓名", "性别", "出生")
        ) or _NUMBER_PIECE.search(plain):
            break
        if plain:
            parts.append(plain)
            confidence = min(confidence, line.confidence)
    address = trim_marks("".join(parts))
    if not address:
        return None
    return FieldReading(simplified(address), round(confidence, 3))


def read_id_back(lines: Sequence[Line]) -> dict[str, FieldReading]:
    """Issuing office and the validity period (from, until) from the emblem side."""
    found = anchored_values(lines, BACK_ANCHORS)
    fields: dict[str, FieldReading] = {}
    issuer = _first(found, "issuer")
    if issuer:
        fields["issuer"] = issuer
    for raw, conf in found.get("valid_until", []):
        start, until = validity(raw)
        if start:
            fields["valid_from"] = FieldReading(start, round(conf, 3))
        if until:
            fields["valid_until"] = FieldReading(until, round(conf, 3))
            break
    return fields


def validity(raw: str) -> tuple[str | None, str | None]:
    """Start and end of ``2015.05.08-2035.05.08`` (ISO); the end of a card without one is 长期."""
    text = raw.replace("自", "")
    parts = [part for part in re.split(r"[-—–~至]+", text) if part.strip()]
    if len(parts) < 2:
        dates = re.findall(r"\d{4}\D?\d{2}\D?\d{2}", text)
        parts = dates if len(dates) >= 2 else parts
    start = normalise_date(parts[0]) if parts else None
    if len(parts) < 2:
        return start, None
    until = "长期" if "长期" in parts[-1] else normalise_date(parts[-1])
    return start, until


def read_licence(lines: Sequence[Line]) -> dict[str, FieldReading]:
    """Credit code, name, legal representative, type, address and founding date of a licence."""
    found = anchored_values(lines, LICENCE_ANCHORS, frozenset({"address"}))
    fields: dict[str, FieldReading] = {}
    code = _code(found.get("credit_code", []), lines, 18)
    if code:
        fields["credit_code"] = code
    number = _registration_number(found.get("registration_number", []), lines)
    if number:
        fields["registration_number"] = number
    for key, out in (
        ("subject_name", "subject_name"),
        ("legal_representative", "legal_representative"),
        ("type", "company_type"),
        ("address", "address"),
    ):
        reading = _first(found, key)
        if reading:
            fields[out] = reading
    for raw, conf in found.get("founded", []):
        day = normalise_date(raw)
        if day:
            fields["established_on"] = FieldReading(day, round(conf, 3))
            break
    return fields


def _code(
    found: list[tuple[str, float]], lines: Sequence[Line], length: int
) -> FieldReading | None:
    """The first candidate after the anchor that is a code, else any 18-character code."""
    for text, confidence in found:
        code = normalise_credit_code(text.upper())
        if code:
            return _checked(code, credit_code_valid(code), confidence)
    if length != 18:
        return None
    for line in lines:
        match = re.search(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])", _plain(line.text).upper())
        if match:
            code = match.group(0)
            return _checked(code, credit_code_valid(code), line.confidence)
    return None


def registration_number_valid(number: str) -> bool:
    """True when a 15-digit 注册号 passes its ISO 7064 MOD 11,10 check digit."""
    if not re.fullmatch(r"\d{15}", number):
        return False
    product = 10
    for ch in number[:14]:
        product = (((product + int(ch)) % 10 or 10) * 2) % 11
    return (product + int(number[14])) % 10 == 1


def _registration_number(
    found: list[tuple[str, float]], lines: Sequence[Line]
) -> FieldReading | None:
    """The 15-digit 注册号 of a pre-2015 licence, after its anchor (O and I read as 0 and 1)."""
    for text, confidence in found:
        digits = text.upper().replace("O", "0").replace("I", "1").replace("L", "1")
        match = re.search(r"(?<!\d)\d{15}(?!\d)", digits)
        if match:
            number = match.group(0)
            return _checked(number, registration_number_valid(number), confidence)
    return None


def read_org_code_certificate(lines: Sequence[Line]) -> dict[str, FieldReading]:
    """The organisation code (``XXXXXXXX-C``), name, legal representative and address."""
    found = anchored_values(lines, ORG_CODE_ANCHORS, frozenset({"address"}))
    fields: dict[str, FieldReading] = {}
    code = _code(found.get("credit_code", []), lines, 9)
    if code:
        fields["credit_code"] = code
    for key in ("subject_name", "legal_representative", "address"):
        reading = _first(found, key)
        if reading:
            fields[key] = reading
    return fields


def read_card(kind: DocumentKind, lines: Sequence[Line]) -> dict[str, FieldReading]:
    """The fields of a document of `kind` (not a registration form) from its lines, checked
    against each other and the list of divisions (`parsers.plausible`)."""
    from parsers.plausible import checked_card_fields

    readers = {
        DocumentKind.ID_CARD_FRONT: read_id_front,
        DocumentKind.ID_CARD_BACK: read_id_back,
        DocumentKind.BUSINESS_LICENCE: read_licence,
        DocumentKind.ORG_CODE_CERTIFICATE: read_org_code_certificate,
    }
    reader = readers.get(kind)
    if reader is None:
        return {}
    if kind in (DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK):
        lines = [line for line in lines if not _second_language(line.text)]
    return checked_card_fields(reader(lines))


def _second_language(text: str) -> bool:
    """A line of a bilingual card in its other script (Latin here: Name, Sex, Address, ID No.):
    no Chinese character and no digit."""
    plain = "".join(text.split())
    return bool(plain) and not any(_is_cjk(ch) or ch.isdigit() for ch in plain)
