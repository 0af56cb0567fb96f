"""Classification by text and the anchor readers for ID cards, licences and code certificates."""

from __future__ import annotations

from parsers.cards import Line, read_id_back, read_id_front, read_licence, read_org_code_certificate
from parsers.classify import classify_text
from parsers.layout import column_lines
from parsers.model import DocumentKind, TextBox
from parsers.reader import split_documents

FRONT = [
    "姓名 李雨赟",
    "性别 女 民族 漢",
    "出生 1971 年 8 月 27 日",
    "住址 河北省宁晋县河渠镇",
    "王庄村83号 样本",
    "公民身份号码 110102199101010078",
]
BACK = ["中华人民共和国", "居民身份证", "签发机关 宁晋县公安局", "有效期限 2010.11.03-2020.11.03"]


def lines(texts: list[str], confidence: float = 0.95) -> list[Line]:
    return [Line(text, confidence) for text in texts]


def test_classification() -> None:
    form = "邢台市新媒体账号登记备案表\n主体类型 个人\n姓名 张三 身份证号码 X\n联系电话 1\n平台 账号名称 账号ID"
    assert classify_text(form) == [DocumentKind.REGISTRATION_FORM]
    notice = (
        "下载《邢台市新媒体账号登记备案表》，填写登记备案信息。新媒体账号名称包含“邢台”的；"
        "运维负责人身份证复印件；到属地互联网信息办公室更新原备案信息。"
    )
    assert classify_text(notice) == [DocumentKind.OTHER]
    assert classify_text("\n".join(FRONT)) == [DocumentKind.ID_CARD_FRONT]
    assert classify_text("\n".join(BACK)) == [DocumentKind.ID_CARD_BACK]
    assert classify_text("\n".join(FRONT + BACK)) == [
        DocumentKind.ID_CARD_FRONT,
        DocumentKind.ID_CARD_BACK,
    ]
    assert classify_text("营业执照 统一社会信用代码 91320621MA1MRHG205 名称 X 住所 Y") == [
        DocumentKind.BUSINESS_LICENCE
    ]
    assert classify_text("统一社会信用代码 X 法定代表人 Y") == [DocumentKind.BUSINESS_LICENCE]
    assert classify_text("组织机构代码证 代码 X 机构名称 Y 颁发单位 Z") == [
        DocumentKind.ORG_CODE_CERTIFICATE
    ]
    assert classify_text("1、组织机构代码证或工商执照复印件；2、营业执照") == [DocumentKind.OTHER]
    assert classify_text("会议通知") == [DocumentKind.OTHER]


def test_id_front_fields() -> None:
    fields = read_id_front(lines(FRONT))
    assert {k: v.value for k, v in fields.items()} == {
        "name": "李雨赟",
        "gender": "女",
        "ethnicity": "汉",
        "birth_date": "1971-08-27",
        "address": "河北省宁晋县河渠镇王庄村83号",
        "id_number": "110102199101010078",
    }
    assert fields["id_number"].confidence >= 0.97


def test_id_front_with_a_misread_number_keeps_it_with_low_confidence() -> None:
    wrong = [*FRONT[:-1], "公民身份号码 110102199101010079"]
    fields = read_id_front(lines(wrong))
    assert fields["id_number"].value == "110102199101010079"
    assert fields["id_number"].confidence <= 0.3


def test_id_back_fields() -> None:
    fields = read_id_back(lines(BACK))
    assert {k: v.value for k, v in fields.items()} == {
        "issuer": "宁晋县公安局",
        "valid_from": "2010-11-03",
        "valid_until": "2020-11-03",
    }
    long_term = read_id_back(lines(["签发机关 邢台市公安局", "有效期限 2016.01.02-长期"]))
    assert long_term["valid_until"].value == "长期"


def test_licence_two_columns_with_wrapped_address() -> None:
    boxes = [
        TextBox("营业执照", 600, 230, 1000, 300),
        TextBox("统一社会信用代码", 110, 130, 300, 160),
        TextBox("91320621MA1MRHG205", 110, 175, 500, 210),
        TextBox("名 称", 110, 470, 200, 500),
        TextBox("邢台博远文化传媒有限公司", 330, 470, 800, 500),
        TextBox("注册资本", 960, 470, 1100, 500),
        TextBox("100万元人民币", 1170, 470, 1400, 500),
        TextBox("类 型", 110, 545, 200, 575),
        TextBox("有限责任公司(自然人独资)", 330, 545, 800, 575),
        TextBox("成立日期", 960, 545, 1100, 575),
        TextBox("2016年12月21日", 1170, 545, 1400, 575),
        TextBox("法定代表人", 110, 620, 300, 650),
        TextBox("王伟", 330, 620, 420, 650),
        TextBox("住 所", 960, 620, 1100, 650),
        TextBox("河北省邢台市信都区", 1170, 620, 1500, 650),
        TextBox("经营范围", 110, 695, 300, 725),
        TextBox("广告设计", 330, 695, 800, 725),
        TextBox("中兴大街12号", 1170, 672, 1400, 702),
        TextBox("登记机关", 1080, 990, 1240, 1020),
    ]
    assert classify_text("\n".join(b.text for b in boxes)) == [DocumentKind.BUSINESS_LICENCE]
    fields = read_licence(column_lines(boxes))
    assert {k: v.value for k, v in fields.items()} == {
        "credit_code": "91320621MA1MRHG205",
        "subject_name": "邢台博远文化传媒有限公司",
        "legal_representative": "王伟",
        "company_type": "有限责任公司（自然人独资）",
        "address": "河北省邢台市信都区中兴大街12号",
        "established_on": "2016-12-21",
    }


def test_org_code_certificate() -> None:
    fields = read_org_code_certificate(
        lines(
            [
                "中华人民共和国组织机构代码证",
                "代　　码 60003734-1",
                "机构名称 邢台市某某中心",
                "法定代表人 赵六",
                "地　　址 邢台市桥东区新华路1号",
                "颁发单位：邢台市质量技术监督局",
            ]
        )
    )
    assert {k: v.value for k, v in fields.items()} == {
        "credit_code": "60003734-1",
        "subject_name": "邢台市某某中心",
        "legal_representative": "赵六",
        "address": "邢台市桥东区新华路1号",
    }


def _boxes(texts: list[str], x: float, y: float) -> list[TextBox]:
    return [TextBox(t, x, y + 40 * i, x + 300, y + 40 * i + 30) for i, t in enumerate(texts)]


def test_two_id_sides_on_one_sheet_become_two_documents() -> None:
    stacked = _boxes(FRONT, 100, 100) + _boxes(BACK, 100, 600)
    groups = split_documents(stacked, [DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK])
    assert [kind for kind, _ in groups] == [DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK]
    assert {b.text for b in groups[1][1]} == set(BACK)
    side_by_side = _boxes(FRONT, 100, 100) + _boxes(BACK, 900, 100)
    groups = split_documents(side_by_side, [DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK])
    assert {b.text for b in groups[0][1]} == set(FRONT)
