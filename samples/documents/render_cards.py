"""Identity and organisation documents rendered as images: ID card sides, an A4 ID copy, a
business licence (营业执照) and an older organisation code certificate (组织机构代码证).

Layouts follow the real documents closely enough for a reader to be tested on them, but every
image carries a red 样本 mark and only fake data.
"""

from __future__ import annotations

import datetime as dt
import math

from fake_data import Organization, Person
from PIL import Image, ImageDraw, ImageFilter
from render_fonts import draw_in_box, font, mono_font, text_width, wrap_text

CARD_SIZE = (1000, 630)
LABEL_BLUE = (40, 95, 160)
SEAL_RED = (210, 30, 30)


def _card_background(seed_shift: int) -> Image.Image:
    """A pale card background with fine guilloche-like waves."""
    w, h = CARD_SIZE
    img = Image.new("RGB", CARD_SIZE, (236, 242, 246))
    draw = ImageDraw.Draw(img)
    for y in range(0, h, 3):
        tint = int(8 * math.sin(y / 40 + seed_shift))
        draw.line((0, y, w, y), fill=(232 + tint // 2, 240, 246 - tint // 2))
    for k in range(14):
        pts = [(x, h * (k + 0.5) / 14 + 10 * math.sin(x / 55 + k)) for x in range(0, w + 10, 10)]
        draw.line(pts, fill=(214, 226, 236), width=1)
    rounded = Image.new("L", CARD_SIZE, 0)
    ImageDraw.Draw(rounded).rounded_rectangle((0, 0, w - 1, h - 1), radius=36, fill=255)
    out = Image.new("RGB", CARD_SIZE, "white")
    out.paste(img, (0, 0), rounded)
    ImageDraw.Draw(out).rounded_rectangle(
        (0, 0, w - 1, h - 1), radius=36, outline=(170, 180, 190), width=2
    )
    return out


def _small_sample_mark(img: Image.Image, xy: tuple[float, float], size: int = 30) -> None:
    draw = ImageDraw.Draw(img)
    face = font(size, bold=True)
    w = text_width("样本", face)
    x, y = xy
    draw.rectangle((x, y, x + w + size * 0.6, y + size * 1.5), outline=SEAL_RED, width=3)
    draw.text((x + size * 0.3, y + size * 0.12), "样本", font=face, fill=SEAL_RED)


def birth_printed(day: dt.date) -> tuple[str, str, str]:
    """Year, month and day as an ID card prints them (no leading zeros)."""
    return str(day.year), str(day.month), str(day.day)


def render_id_front(person: Person) -> Image.Image:
    """The portrait side (人像面) of a resident ID card."""
    img = _card_background(1)
    draw = ImageDraw.Draw(img)
    label = font(26)
    value = font(32)
    draw.text((70, 74), "姓  名", font=label, fill=LABEL_BLUE)
    draw.text((175, 66), person.name, font=font(36, bold=True), fill="black")
    draw.text((70, 152), "性  别", font=label, fill=LABEL_BLUE)
    draw.text((175, 146), person.gender, font=value, fill="black")
    draw.text((300, 152), "民  族", font=label, fill=LABEL_BLUE)
    draw.text((400, 146), person.ethnicity, font=value, fill="black")
    draw.text((70, 230), "出  生", font=label, fill=LABEL_BLUE)
    year, month, day = birth_printed(person.birth)
    x = 175.0
    for part, unit in ((year, "年"), (month, "月"), (day, "日")):
        draw.text((x, 224), part, font=value, fill="black")
        x += text_width(part, value) + 12
        draw.text((x, 230), unit, font=label, fill=LABEL_BLUE)
        x += text_width(unit, label) + 16
    draw.text((70, 308), "住  址", font=label, fill=LABEL_BLUE)
    for i, line in enumerate(person.address_lines):
        draw.text((175, 302 + i * 46), line, font=value, fill="black")
    draw.text((70, 528), "公民身份号码", font=label, fill=LABEL_BLUE)
    draw.text((290, 514), person.id_number, font=mono_font(44), fill="black")
    # Grey placeholder instead of a portrait.
    draw.rectangle((660, 70, 935, 430), fill=(196, 198, 200))
    draw.ellipse((735, 130, 860, 265), fill=(170, 172, 175))
    draw.pieslice((695, 280, 900, 520), 180, 360, fill=(170, 172, 175))
    draw.rectangle((660, 430, 935, 436), fill=(236, 242, 246))
    _small_sample_mark(img, (760, 360), 32)
    return img


def _emblem(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A plain placeholder for the national emblem: a red disc with a yellow star."""
    draw.ellipse(
        (cx - r, cy - r, cx + r, cy + r), fill=(200, 40, 40), outline=(230, 190, 60), width=6
    )
    pts = []
    for k in range(10):
        ang = -math.pi / 2 + k * math.pi / 5
        rad = r * 0.55 if k % 2 == 0 else r * 0.22
        pts.append((cx + rad * math.cos(ang), cy + rad * math.sin(ang)))
    draw.polygon(pts, fill=(245, 205, 60))


def id_valid_printed(person: Person) -> str:
    """The validity period as printed on the back, e.g. 2015.06.01-2035.06.01."""
    return f"{person.valid_from:%Y.%m.%d}-{person.valid_until:%Y.%m.%d}"


def render_id_back(person: Person) -> Image.Image:
    """The emblem side (国徽面) of a resident ID card."""
    img = _card_background(3)
    draw = ImageDraw.Draw(img)
    _emblem(draw, 160, 170, 95)
    title = font(50, bold=True, serif=True)
    draw.text((330, 95), "中华人民共和国", font=title, fill="black")
    big = font(76, bold=True, serif=True)
    x = 330.0
    for char in "居民身份证":
        draw.text((x, 175), char, font=big, fill="black")
        x += 104
    label = font(26)
    value = font(30)
    draw.text((200, 432), "签发机关", font=label, fill=LABEL_BLUE)
    draw.text((340, 426), person.issuer, font=value, fill="black")
    draw.text((200, 510), "有效期限", font=label, fill=LABEL_BLUE)
    draw.text((340, 504), id_valid_printed(person), font=value, fill="black")
    _small_sample_mark(img, (820, 40), 30)
    return img


def render_id_copy(person: Person, dpi: int = 200) -> Image.Image:
    """An A4 photocopy with both sides of the ID card, as offices ask for it."""
    s = dpi / 200
    page = Image.new("RGB", (int(1654 * s), int(2339 * s)), (250, 250, 248))
    card_w = int(740 * s)
    card_h = int(card_w * CARD_SIZE[1] / CARD_SIZE[0])
    left = (page.width - card_w) // 2
    for i, card in enumerate((render_id_front(person), render_id_back(person))):
        grey = card.convert("L").convert("RGB").resize((card_w, card_h), Image.Resampling.LANCZOS)
        page.paste(grey, (left, int((300 + i * 700) * s)))
    draw = ImageDraw.Draw(page)
    note = "此复印件仅供新媒体账号登记备案使用"
    face = font(int(40 * s))
    draw.text(
        ((page.width - text_width(note, face)) / 2, 1720 * s), note, font=face, fill=(60, 60, 60)
    )
    _small_sample_mark(page, (page.width - 260 * s, 80 * s), int(44 * s))
    return page


def _round_seal(size: int, ring_text: str, center_text: str) -> Image.Image:
    """A red round seal (RGBA): ring text around a star, as on licences and forms."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    c = size / 2
    draw.ellipse((6, 6, size - 6, size - 6), outline=(*SEAL_RED, 230), width=max(4, size // 45))
    star = []
    for k in range(10):
        ang = -math.pi / 2 + k * math.pi / 5
        rad = size * 0.14 if k % 2 == 0 else size * 0.055
        star.append((c + rad * math.cos(ang), c + rad * math.sin(ang)))
    draw.polygon(star, fill=(*SEAL_RED, 230))
    face = font(max(12, int(size * 0.1)), bold=True)
    n = len(ring_text)
    span = math.radians(250)
    for i, char in enumerate(ring_text):
        ang = -math.pi / 2 - span / 2 + span * (i + 0.5) / n
        glyph = Image.new("RGBA", (int(face.size * 2), int(face.size * 2)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (face.size / 2, face.size / 3), char, font=face, fill=(*SEAL_RED, 230)
        )
        glyph = glyph.rotate(-math.degrees(ang) - 90, resample=Image.Resampling.BICUBIC)
        rad = size * 0.36
        gx = c + rad * math.cos(ang) - glyph.width / 2
        gy = c + rad * math.sin(ang) - glyph.height / 2
        img.alpha_composite(glyph, (int(gx), int(gy)))
    if center_text:
        small = font(max(10, int(size * 0.08)), bold=True)
        tw = text_width(center_text, small)
        draw.text((c - tw / 2, c + size * 0.2), center_text, font=small, fill=(*SEAL_RED, 230))
    return img.filter(ImageFilter.GaussianBlur(0.6))


def round_seal(size: int, ring_text: str, center_text: str = "") -> Image.Image:
    """A red round seal image with transparent background."""
    return _round_seal(size, ring_text, center_text)


def _spaced_label(label: str) -> str:
    """Two-character labels are printed with a wide gap, as on licences (名　　称)."""
    return f"{label[0]}\u3000\u3000{label[1]}" if len(label) == 2 else label


def _licence_frame(width: int, height: int) -> Image.Image:
    img = Image.new("RGB", (width, height), (252, 250, 244))
    draw = ImageDraw.Draw(img)
    draw.rectangle((30, 30, width - 30, height - 30), outline=(190, 60, 50), width=10)
    draw.rectangle((48, 48, width - 48, height - 48), outline=(200, 150, 80), width=3)
    return img


def render_business_licence(org: Organization, registrar: str) -> Image.Image:
    """A 营业执照 (副本) in landscape, A4 at 150 dpi."""
    width, height = 1754, 1240
    img = _licence_frame(width, height)
    draw = ImageDraw.Draw(img)
    _emblem(draw, width / 2, 150, 70)
    title = font(96, bold=True, serif=True)
    text = "营 业 执 照"
    draw.text(((width - text_width(text, title)) / 2, 235), text, font=title, fill=(30, 30, 30))
    sub = font(36, serif=True)
    draw.text(
        ((width - text_width("（副　本）", sub)) / 2, 360), "（副　本）", font=sub, fill="black"
    )
    small = font(30)
    draw.text((110, 130), "统一社会信用代码", font=small, fill="black")
    draw.text((110, 175), org.credit_code, font=mono_font(38), fill="black")
    draw.rectangle((width - 290, 110, width - 120, 280), outline="black", width=3)
    for k in range(7):
        for j in range(7):
            if (k * 3 + j * 5 + len(org.name)) % 3 == 0:
                x0 = width - 280 + k * 22
                y0 = 120 + j * 22
                draw.rectangle((x0, y0, x0 + 20, y0 + 20), fill="black")
    label_face = font(34, bold=True, serif=True)
    value_face = font(34, serif=True)
    rows_left = [
        ("名称", org.name),
        ("类型", org.company_type),
        ("法定代表人", org.legal_representative),
        ("经营范围", org.scope),
    ]
    rows_right = [
        ("注册资本", org.registered_capital),
        (
            "成立日期",
            f"{org.established.year}年{org.established.month:02d}月{org.established.day:02d}日",
        ),
        (
            "营业期限",
            f"{org.established.year}年{org.established.month:02d}月"
            f"{org.established.day:02d}日至长期",
        ),
        ("住所", org.address),
    ]
    y = 470.0
    for label, value in rows_left:
        draw.text((110, y), _spaced_label(label), font=label_face, fill="black")
        lines = wrap_text(value, value_face, 560)
        for line in lines:
            draw.text((330, y), line, font=value_face, fill="black")
            y += 52
        y += 22
    y = 470.0
    for label, value in rows_right:
        draw.text((960, y), _spaced_label(label), font=label_face, fill="black")
        for line in wrap_text(value, value_face, 480):
            draw.text((1170, y), line, font=value_face, fill="black")
            y += 52
        y += 22
    draw.text((1080, 990), "登记机关", font=label_face, fill="black")
    date_text = f"{org.established.year}年{org.established.month}月{org.established.day}日"
    draw.text((1250, 1080), date_text, font=value_face, fill="black")
    seal = round_seal(260, registrar)
    img.paste(seal, (1240, 900), seal)
    note = font(24)
    draw.text(
        (110, 1150),
        "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn",
        font=note,
        fill=(80, 80, 80),
    )
    _small_sample_mark(img, (width / 2 - 70, 1070), 56)
    return img


def render_org_code_certificate(org: Organization) -> Image.Image:
    """An older 中华人民共和国组织机构代码证 (副本)."""
    width, height = 1600, 1100
    img = _licence_frame(width, height)
    draw = ImageDraw.Draw(img)
    title = font(64, bold=True, serif=True)
    text = "中华人民共和国组织机构代码证"
    draw.text(((width - text_width(text, title)) / 2, 110), text, font=title, fill=(30, 30, 30))
    sub = font(34, serif=True)
    draw.text(((width - text_width("（副本）", sub)) / 2, 200), "（副本）", font=sub, fill="black")
    label_face = font(36, bold=True)
    value_face = font(36)
    start = org.established
    until = start.replace(year=start.year + 4)
    rows = [
        ("代　　码", org.org_code),
        ("机构名称", org.name),
        ("机构类型", "企业法人" if org.company_type != "事业单位" else "事业法人"),
        ("法定代表人", org.legal_representative),
        ("地　　址", org.address),
        (
            "有 效 期",
            f"自{start.year}年{start.month:02d}月{start.day:02d}日至"
            f"{until.year}年{until.month:02d}月{until.day:02d}日",
        ),
    ]
    y = 320.0
    for label, value in rows:
        draw.text((150, y), label, font=label_face, fill="black")
        box = (400, y - 10, 1450, y + 60)
        draw_in_box(draw, box, value, 36)
        y += 92
    draw.text((150, 900), "颁发单位：邢台市质量技术监督局", font=value_face, fill="black")
    draw.text(
        (150, 960),
        f"登 记 号：组代管130500-{int(org.org_code[:8], 36) % 100000:05d}",
        font=value_face,
        fill="black",
    )
    seal = round_seal(240, "邢台市质量技术监督局")
    img.paste(seal, (1150, 800), seal)
    _small_sample_mark(img, (width - 240, 70), 48)
    return img


NOTICE_LINES = (
    "关于在全市开展新媒体账号登记备案工作的通知",
    "",
    "为进一步做好新媒体服务管理工作，促进我市范围内新媒体行业健康有序发展，",
    "市互联网信息办公室、市公安局决定在全市范围内开展新媒体账号备案登记工作。",
    "一、登记备案范围",
    "全市范围内所有的新媒体账号（今日头条号、新浪微博账号、微信公众账号、",
    "企鹅号、百家号、网易号、一点号、搜狐号、抖音号、快手号、大风号、大鱼号等）。",
    "二、备案时间",
    "2020年5月8日—5月22日，开展为期2周的集中备案登记。",
    "三、备案资料",
    "以公司名义开设的新媒体账号需提供组织机构代码证或工商执照复印件、",
    "运维负责人身份证复印件和《邢台市新媒体账号登记备案表》；",
    "个人开设的新媒体账号需提供本人身份证复印件和登记备案表。",
)


def render_notice_page(dpi: int = 150) -> Image.Image:
    """A printed page of the campaign notice: a document that is no part of a filing."""
    s = dpi / 200
    page = Image.new("L", (int(1654 * s), int(2339 * s)), 255)
    draw = ImageDraw.Draw(page)
    y = 220 * s
    for i, line in enumerate(NOTICE_LINES):
        face = font(int((44 if i == 0 else 30) * s), bold=i == 0)
        x = (page.width - text_width(line, face)) / 2 if i == 0 else 150 * s
        draw.text((x, y), line, font=face, fill=0)
        y += (90 if i == 0 else 56) * s
    rgb = page.convert("RGB")
    _small_sample_mark(rgb, (page.width - 240 * s, 60 * s), int(44 * s))
    return rgb
