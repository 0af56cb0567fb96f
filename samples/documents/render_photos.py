"""Documents as people photograph and send them: the hard cases of the real-world trial.

Each function reproduces one failure seen on real attachments, with our own fake data: a
licence in a picture frame photographed on a desk, a pre-2015 licence (15-digit 注册号, label
法定代表人姓名), a high-resolution scan with labels spread wide, the documents people attach by
mistake (social security card, bank card, driving licence, household register, passport,
train ticket, a personal-information form), a tiny ID photo, a two-page scan, a 复印无效 stamp
over the number, a dense security background, bilingual labels. Every image carries 样本.
"""

from __future__ import annotations

import io

import numpy as np
from fake_data import Organization, Person
from PIL import Image, ImageDraw, ImageFilter
from render_cards import (
    CARD_SIZE,
    LABEL_BLUE,
    _card_background,
    _licence_frame,
    _small_sample_mark,
    birth_printed,
    render_id_front,
    round_seal,
)
from render_damage import perspective_photo
from render_fonts import font, mono_font, text_width, wrap_text


def framed_photo(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The document behind glass in a dark wooden frame with a light mat, photographed."""
    border, mat = int(img.width * 0.07), int(img.width * 0.05)
    w, h = img.width + 2 * (border + mat), img.height + 2 * (border + mat)
    framed = Image.new("RGB", (w, h), (90, 55, 30))
    draw = ImageDraw.Draw(framed)
    for k in range(0, border, 6):  # moulding grooves
        shade = 70 + (k * 7) % 50
        draw.rectangle((k, k, w - 1 - k, h - 1 - k), outline=(shade, shade // 2 + 20, 25), width=2)
    draw.rectangle((border, border, w - border, h - border), fill=(236, 232, 222))
    framed.paste(img, (border + mat, border + mat))
    return perspective_photo(framed, rng, int(max(w, h) * 0.9), margin=0.04)


def render_old_licence(org: Organization, registration_number: str, registrar: str) -> Image.Image:
    """A 营业执照 of the style before 2015: 注册号 top right, no credit code, 法定代表人姓名."""
    width, height = 1754, 1240
    img = _licence_frame(width, height)
    draw = ImageDraw.Draw(img)
    title = font(96, bold=True, serif=True)
    text = "营 业 执 照"
    draw.text(((width - text_width(text, title)) / 2, 150), text, font=title, fill=(30, 30, 30))
    sub = font(36, serif=True)
    draw.text(((width - text_width("（副本）", sub)) / 2, 275), "（副本）", font=sub, fill="black")
    draw.text((1100, 350), f"注册号  {registration_number}", font=font(32), fill="black")
    label_face = font(36, bold=True, serif=True)
    value_face = font(36, serif=True)
    rows = [
        ("名\u3000\u3000\u3000\u3000称", org.name),
        ("住\u3000\u3000\u3000\u3000所", org.address),
        ("法定代表人姓名", org.legal_representative),
        ("注 册 资 本", org.registered_capital),
        ("公 司 类 型", org.company_type),
        ("经 营 范 围", org.scope),
        (
            "成 立 日 期",
            f"{org.established.year}年{org.established.month:02d}月{org.established.day:02d}日",
        ),
    ]
    y = 440.0
    for label, value in rows:
        draw.text((170, y), label, font=label_face, fill="black")
        for line in wrap_text(value, value_face, 1050):
            draw.text((500, y), line, font=value_face, fill="black")
            y += 56
        y += 20
    seal = round_seal(260, registrar)
    img.paste(seal, (1240, 900), seal)
    _small_sample_mark(img, (width / 2 - 70, 1090), 56)
    return img


def spread_scan(img: Image.Image) -> Image.Image:
    """A clean 300 dpi scan: the licence enlarged to 2480 pixels wide on white."""
    scale = 2480 / img.width
    big = img.resize((2480, int(img.height * scale)), Image.Resampling.LANCZOS)
    page = Image.new("RGB", (2480, big.height + 200), "white")
    page.paste(big, (0, 100))
    return page


def _card(title: str, rows: list[tuple[str, str]], colour: tuple[int, int, int]) -> Image.Image:
    img = Image.new("RGB", CARD_SIZE, colour)
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, CARD_SIZE[0] - 1, CARD_SIZE[1] - 1), radius=36, outline="grey")
    draw.text((60, 40), title, font=font(44, bold=True), fill=(20, 40, 90))
    y = 150
    for label, value in rows:
        draw.text((60, y), label, font=font(28), fill=LABEL_BLUE)
        draw.text(
            (60 + text_width(label, font(28)) + 30, y - 4), value, font=font(32), fill="black"
        )
        y += 70
    _small_sample_mark(img, (820, 40), 30)
    return img


def _page(
    title: str, rows: list[tuple[str, str]], size: tuple[int, int] = (1240, 1754)
) -> Image.Image:
    img = Image.new("RGB", size, (250, 250, 247))
    draw = ImageDraw.Draw(img)
    face = font(56, bold=True)
    draw.text(((size[0] - text_width(title, face)) / 2, 120), title, font=face, fill="black")
    y = 300
    for label, value in rows:
        draw.rectangle((100, y - 10, size[0] - 100, y + 70), outline="black", width=2)
        draw.line((400, y - 10, 400, y + 70), fill="black", width=2)
        draw.text((120, y + 8), label, font=font(34), fill="black")
        draw.text((420, y + 8), value, font=font(34), fill="black")
        y += 80
    _small_sample_mark(img, (size[0] - 260, 60), 44)
    return img


def look_alikes(person: Person) -> dict[str, tuple[Image.Image, str]]:
    """The documents people attach by mistake, each with the note the reader should give."""
    year, month, day = birth_printed(person.birth)
    born = f"{year}年{month}月{day}日"
    return {
        "social_security_card": (
            _card(
                "中华人民共和国社会保障卡",
                [
                    ("姓名", person.name),
                    ("社会保障号码", person.id_number),
                    ("社会保障卡号", "D13050123"),
                    ("发卡日期", "2018年03月"),
                    ("有效期限", "2028年03月"),
                ],
                (214, 234, 248),
            ),
            "social_security_card",
        ),
        "bank_card": (
            _card(
                "中国某某银行 借记卡",
                [("卡号", "6222 0212 3456 7890 123"), ("银联", "UnionPay"), ("有效期", "12/29")],
                (60, 110, 170),
            ),
            "bank_card",
        ),
        "driving_licence": (
            _card(
                "中华人民共和国机动车驾驶证",
                [
                    ("证号", person.id_number),
                    ("姓名", person.name + "  性别 " + person.gender),
                    ("住址", person.address[:14]),
                    ("出生日期", person.birth.isoformat()),
                    ("初次领证日期", "2012-05-08  准驾车型 C1"),
                    ("有效期限", "2018-05-08至2028-05-08"),
                ],
                (236, 240, 232),
            ),
            "driving_licence",
        ),
        "household_register": (
            _page(
                "常住人口登记卡",
                [
                    ("户主或与户主关系", "户主"),
                    ("姓名", person.name),
                    ("性别", person.gender),
                    ("民族", person.ethnicity),
                    ("出生日期", born),
                    ("出生地", "河北省邢台市"),
                    ("住址", person.address),
                    ("公民身份号码", person.id_number),
                    ("户口登记机关", "邢台市公安局"),
                ],
            ),
            "household_register",
        ),
        "passport": (
            _card(
                "中华人民共和国护照 PASSPORT",
                [
                    ("姓名/Name", person.name),
                    ("护照号/Passport No.", "E12345678"),
                    ("出生日期/Date of birth", person.birth.strftime("%d %b %Y").upper()),
                    ("签发机关/Authority", "国家移民管理局"),
                    ("有效期至/Date of expiry", "08 MAY 2030"),
                ],
                (240, 236, 226),
            ),
            "passport",
        ),
        "train_ticket": (
            _card(
                "G1234 邢台东站 → 北京西站",
                [
                    ("2020年05月08日 09:30开", "05车12A号"),
                    ("￥128.0元", "二等座"),
                    ("限乘当日当次车", ""),
                    (person.id_number[:10] + "****" + person.id_number[14:], person.name),
                ],
                (200, 225, 240),
            ),
            "train_ticket",
        ),
        "personal_information_form": (
            _page(
                "个人信息登记表",
                [
                    ("姓名", person.name),
                    ("性别", person.gender),
                    ("民族", person.ethnicity),
                    ("出生年月", f"{year}年{month}月"),
                    ("籍贯", "河北邢台"),
                    ("政治面貌", "群众"),
                    ("学历", "本科"),
                    ("工作单位", "邢台市某某公司"),
                    ("家庭住址", person.address),
                ],
            ),
            "personal_information_form",
        ),
    }


def tiny(img: Image.Image, size: tuple[int, int] = (259, 194)) -> Image.Image:
    """A small photo as forwarded by a chat app: the card on a grey background, 259×194."""
    canvas = Image.new("RGB", size, (120, 120, 124))
    card = img.copy()
    card.thumbnail((size[0] - 6, size[1] - 6), Image.Resampling.LANCZOS)
    canvas.paste(card, ((size[0] - card.width) // 2, (size[1] - card.height) // 2))
    blurred = canvas.filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    blurred.save(out, "JPEG", quality=40)  # recompressed by the chat app
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def facing_pages(left: Image.Image, right_lines: list[str]) -> Image.Image:
    """Two facing pages scanned together: the document on the left, a page of text and numbers
    on the right whose lines run level with the document's rows."""
    height = left.height
    right = Image.new("RGB", (left.width, height), (248, 247, 242))
    draw = ImageDraw.Draw(right)
    y = 228  # the second line is level with the certificate's code row
    for line in right_lines:
        draw.text((80, y), line, font=font(36), fill="black")
        y += 92
    page = Image.new("RGB", (left.width * 2 + 40, height), (235, 233, 228))
    page.paste(left, (0, 0))
    page.paste(right, (left.width + 40, 0))
    draw = ImageDraw.Draw(page)
    draw.rectangle((left.width, 0, left.width + 40, height), fill=(200, 198, 192))  # the fold
    return page


def copy_stamp(
    img: Image.Image, box: tuple[int, int, int, int], colour: tuple[int, int, int]
) -> Image.Image:
    """A rectangular 复印无效 stamp pressed across `box` (dark ink, as on photocopies)."""
    stamp = Image.new("RGBA", (420, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(stamp)
    draw.rectangle((4, 4, 415, 115), outline=(*colour, 220), width=8)
    draw.text((40, 18), "复印无效", font=font(76, bold=True), fill=(*colour, 200))
    stamp = stamp.rotate(-8, expand=True, resample=Image.Resampling.BICUBIC)
    out = img.convert("RGB")
    x = (box[0] + box[2]) // 2 - stamp.width // 2
    y = (box[1] + box[3]) // 2 - stamp.height // 2
    out.paste(stamp, (x, y), stamp)
    return out


def security_pattern(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A dense guilloche security background under the text, as on the real cards."""
    w, h = img.size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    phase = float(rng.uniform(0, 6))
    waves = (
        np.sin(xs / 7.0 + 3 * np.sin(ys / 23.0 + phase))
        + np.sin(ys / 6.0 + 2 * np.sin(xs / 31.0))
        + np.sin((xs + ys) / 9.0)
    )
    lines = (np.abs(waves) < 0.35).astype(np.float32)
    tint = np.array([150, 175, 200], dtype=np.float32)
    base = np.asarray(img.convert("RGB"), dtype=np.float32)
    paper = base.mean(axis=2, keepdims=True) > 200  # only where there is no ink
    mixed = np.where(
        paper, base * (1 - 0.55 * lines[:, :, None]) + tint * 0.55 * lines[:, :, None], base
    )
    return Image.fromarray(np.clip(mixed, 0, 255).astype(np.uint8), "RGB")


def render_bilingual_front(person: Person) -> Image.Image:
    """A portrait side whose labels carry a second language line (as on bilingual cards), here
    the Latin transcription standing in for the second script."""
    img = _card_background(2)
    draw = ImageDraw.Draw(img)
    label, small, value = font(24), font(16), font(32)
    rows = [
        ("姓名", "Name", person.name, 60),
        ("性别", "Sex", person.gender, 150),
        ("出生", "Born", "{}年{}月{}日".format(*birth_printed(person.birth)), 240),
    ]
    for cn, latin, text, y in rows:
        draw.text((70, y), cn, font=label, fill=LABEL_BLUE)
        draw.text((70, y + 30), latin, font=small, fill=LABEL_BLUE)
        draw.text((175, y), text, font=value, fill="black")
    draw.text((300, 150), "民族", font=label, fill=LABEL_BLUE)
    draw.text((300, 180), "Nationality", font=small, fill=LABEL_BLUE)
    draw.text((420, 150), person.ethnicity, font=value, fill="black")
    draw.text((70, 330), "住址", font=label, fill=LABEL_BLUE)
    draw.text((70, 360), "Address", font=small, fill=LABEL_BLUE)
    for i, line in enumerate(person.address_lines):
        draw.text((175, 330 + i * 46), line, font=value, fill="black")
    draw.text((70, 520), "公民身份号码", font=label, fill=LABEL_BLUE)
    draw.text((70, 550), "ID No.", font=small, fill=LABEL_BLUE)
    draw.text((290, 514), person.id_number, font=mono_font(44), fill="black")
    draw.rectangle((660, 70, 935, 430), fill=(196, 198, 200))
    _small_sample_mark(img, (760, 360), 32)
    return img


STAMP_NAVY = (40, 40, 90)
STAMP_RED = (200, 30, 35)


def stamped_front(person: Person, colour: tuple[int, int, int] = STAMP_NAVY) -> Image.Image:
    """A portrait side with 复印无效 stamped across the address and the number line, in dark
    ink as on photocopies or in red as a hand stamp."""
    card = render_id_front(person)
    return copy_stamp(card, (180, 440, 720, 560), colour)
