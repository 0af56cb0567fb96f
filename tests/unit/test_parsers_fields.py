"""Label/value pairing on grids and lines (parsers.fields, parsers.labels, parsers.layout)."""

from __future__ import annotations

from parsers.fields import Cell, Grid, extract_form, normalise_value, pairs_in_text
from parsers.labels import key_for_label
from parsers.layout import grid_of, lines_of
from parsers.model import FieldReading, TextBox


def grid(rows: list[list[str | None]]) -> Grid:
    """A grid with one column per list position (None: no cell there)."""
    cells = [
        Cell(r, c, c + 1, text)
        for r, row in enumerate(rows)
        for c, text in enumerate(row)
        if text is not None
    ]
    return Grid(tuple(cells))


def values(reading: dict[str, FieldReading]) -> dict[str, str]:
    return {k: v.value for k, v in reading.items()}


def test_label_variants_with_spaces_colons_and_brackets() -> None:
    assert key_for_label("姓  名") == "subject_name"
    assert key_for_label("姓名：") == "subject_name"
    assert key_for_label("所属县(市、区):") == "county"
    assert key_for_label("所属县（市、区）") == "county"
    assert key_for_label("*联系电话") == "phone"
    assert key_for_label("粉丝数（万）") == "followers"
    assert key_for_label("运维负责人身份证号码") == "manager_id_number"
    assert key_for_label("账号") == "account_id"
    assert key_for_label("账号名称") == "account_name"
    assert key_for_label("张三") is None


def test_label_cell_takes_the_cell_to_its_right() -> None:
    form = extract_form(
        [
            grid(
                [
                    ["邢台市新媒体账号登记备案表"],
                    ["主体类型", "个人", "备案类型", "首次备案"],
                    ["姓  名", "张三", "身份证号码", "11010519491231002x"],
                    ["所属县（市、区）", "襄都区", "联系电话", "138 1234 5678"],
                    ["联系地址", "河北省邢台市襄都区新华路1号"],
                    ["电子邮箱", "ZS@QQ.COM", "填表日期", "2020.5.10"],
                ]
            )
        ]
    )
    assert values(form.fields) == {
        "subject_type": "individual",
        "filing_type": "new",
        "subject_name": "张三",
        "id_number": "11010519491231002X",
        "county": "130502",
        "county_written": "襄都区",
        "phone": "13812345678",
        "address": "河北省邢台市襄都区新华路1号",
        "email": "ZS@qq.com",
        "filled_on": "2020-05-10",
    }


def test_empty_value_cell_leaves_the_field_absent() -> None:
    form = extract_form([grid([["姓名", "联系电话", "13812345678"], ["地址", ""]])])
    assert "subject_name" not in form.fields
    assert "address" not in form.fields
    assert form.fields["phone"].value == "13812345678"


def test_header_row_gives_one_account_per_row() -> None:
    form = extract_form(
        [
            grid(
                [
                    ["序号", "平台", "账号名称", "账号ID", "开通时间", "粉丝数", "主要发布内容"],
                    ["1", "抖音", "邢台身边事", "xt001", "2020年5月8日", "1.2万", "本地新闻"],
                    ["2", "小红书", "牛城美食", "nc002", "20200301", "800", "美食"],
                    [None, None, None, None, None, None, None],
                    ["承诺：以上信息真实、准确、有效。"],
                ]
            )
        ]
    )
    assert [values(a) for a in form.accounts] == [
        {
            "platform": "抖音号",
            "account_name": "邢台身边事",
            "account_id": "xt001",
            "opened_on": "2020-05-08",
            "followers": "12000",
            "content": "本地新闻",
        },
        {
            "platform": "其他",
            "platform_written": "小红书",
            "account_name": "牛城美食",
            "account_id": "nc002",
            "opened_on": "2020-03-01",
            "followers": "800",
            "content": "美食",
        },
    ]


def test_pledge_row_spanning_the_table_is_no_account() -> None:
    rows = Grid(
        (
            Cell(0, 0, 1, "平台"),
            Cell(0, 1, 2, "账号名称"),
            Cell(0, 2, 3, "账号ID"),
            Cell(1, 0, 1, "快手"),
            Cell(1, 1, 2, "沙河发布"),
            Cell(1, 2, 3, "sh01"),
            Cell(2, 0, 3, "承诺：以上信息真实"),
        )
    )
    assert len(extract_form([rows]).accounts) == 1


def test_manager_block_maps_name_and_id_to_the_manager() -> None:
    cells = (
        Cell(0, 0, 1, "单位名称"),
        Cell(0, 1, 4, "邢台博远文化传媒有限公司"),
        Cell(1, 0, 1, "运维负责人", row_end=2),
        Cell(1, 1, 2, "姓名"),
        Cell(1, 2, 3, "李四"),
        Cell(2, 1, 2, "身份证号码"),
        Cell(2, 2, 3, "110102199101010078"),
    )
    form = extract_form([Grid(cells)])
    assert values(form.fields) == {
        "subject_name": "邢台博远文化传媒有限公司",
        "manager_name": "李四",
        "manager_id_number": "110102199101010078",
    }


def test_lines_with_several_pairs() -> None:
    assert pairs_in_text("姓  名：张三　身份证号：110105194912310021 所属区县:内邱") == [
        ("subject_name", "张三"),
        ("id_number", "110105194912310021"),
        ("county", "内邱"),
    ]
    assert pairs_in_text("所属县（市、区）：沙河市") == [("county", "沙河市")]


def test_repeated_account_labels_in_lines_start_new_accounts() -> None:
    lines = [
        "主体类型：个人",
        "平台：抖音",
        "账号名称：邢台一",
        "平台：快手",
        "账号名称：邢台二",
    ]
    form = extract_form([], lines)
    assert [a["account_name"].value for a in form.accounts] == ["邢台一", "邢台二"]
    assert [a["platform"].value for a in form.accounts] == ["抖音号", "快手号"]


def test_failed_checksum_is_reported_with_low_confidence() -> None:
    bad = normalise_value("id_number", "36042619910102009X", 0.99)
    assert bad["id_number"].value == "36042619910102009X"
    assert bad["id_number"].confidence <= 0.3
    good = normalise_value("credit_code", "91320621MA1MRHG205", 0.9)
    assert good["credit_code"].confidence >= 0.97


def test_placeholder_values_are_absent() -> None:
    assert normalise_value("email", "无") == {}
    assert normalise_value("address", "  /  ") == {}
    assert normalise_value("opened_on", "不记得") == {}


def test_text_values_keep_their_punctuation() -> None:
    reading = normalise_value("subject_name", "邢台（临西）博远有限公司")
    assert reading["subject_name"].value == "邢台（临西）博远有限公司"


def test_ocr_boxes_become_rows_and_cells() -> None:
    boxes = [
        TextBox("主体名称", 10, 100, 120, 130, 0.99),
        TextBox("邢台博远", 200, 102, 300, 128, 0.95),
        TextBox("有限公司", 305, 101, 400, 129, 0.9),
        TextBox("联系电话", 10, 200, 120, 230, 0.99),
        TextBox("0319-8921750", 200, 201, 380, 229, 0.8),
    ]
    assert [line.text for line in lines_of(boxes)] == [
        "主体名称 邢台博远 有限公司",
        "联系电话 0319-8921750",
    ]
    form = extract_form([grid_of(boxes)])
    assert form.fields["subject_name"].value == "邢台博远有限公司"
    assert form.fields["subject_name"].confidence == 0.9
    assert form.fields["phone"].value == "0319-8921750"
    assert form.fields["phone"].confidence == 0.8


def test_ocr_account_values_left_aligned_under_a_centred_header() -> None:
    boxes = [
        TextBox("平台", 100, 10, 140, 30),
        TextBox("账号名称", 300, 10, 380, 30),
        TextBox("账号ID", 520, 10, 580, 30),
        TextBox("抖音", 100, 60, 140, 80),
        TextBox("邢台美食分享", 250, 60, 370, 80),
        TextBox("x1", 470, 60, 490, 80),
    ]
    form = extract_form([grid_of(boxes)])
    assert [values(a) for a in form.accounts] == [
        {"platform": "抖音号", "account_name": "邢台美食分享", "account_id": "x1"}
    ]


def test_ocr_cell_running_into_the_date_column_is_split() -> None:
    boxes = [
        TextBox("账号ID", 700, 10, 800, 30),
        TextBox("开通日期", 950, 10, 1070, 30),
        TextBox("账号名称", 450, 10, 570, 30),
        TextBox("邢台同城", 450, 60, 570, 80),
        TextBox("gh_e7b06ed28c012019年10月09日", 660, 60, 1100, 80),
    ]
    [account] = extract_form([grid_of(boxes)]).accounts
    assert values(account) == {
        "account_name": "邢台同城",
        "account_id": "gh_e7b06ed28c01",
        "opened_on": "2019-10-09",
    }


def test_platform_under_a_misread_header_is_taken_when_it_is_a_known_platform() -> None:
    boxes = [
        TextBox("序号", 120, 10, 200, 30),
        TextBox("号本", 260, 10, 340, 30),
        TextBox("账号名称", 450, 10, 570, 30),
        TextBox("原始ID", 720, 10, 820, 30),
        TextBox("1", 150, 60, 180, 80),
        TextBox("公众号", 250, 60, 350, 80),
        TextBox("顺德府微生活", 425, 60, 600, 80),
        TextBox("renze1446", 700, 60, 850, 80),
        TextBox("2", 150, 110, 180, 130),
        TextBox("邢台二", 450, 110, 570, 130),
        TextBox("x2", 720, 110, 760, 130),
    ]
    accounts = extract_form([grid_of(boxes)]).accounts
    assert [values(a) for a in accounts] == [
        {"platform": "微信公众账号", "account_name": "顺德府微生活", "account_id": "renze1446"},
        {"account_name": "邢台二", "account_id": "x2"},
    ]


def test_row_number_is_never_taken_for_a_missing_platform() -> None:
    boxes = [
        TextBox("序号", 126, 10, 203, 30),
        TextBox("所属平台", 233, 10, 364, 30),
        TextBox("账号名称", 446, 10, 581, 30),
        TextBox("3", 149, 60, 179, 80),
        TextBox("平乡头条", 449, 60, 581, 80),
    ]
    [account] = extract_form([grid_of(boxes)]).accounts
    assert values(account) == {"account_name": "平乡头条"}


def test_label_and_value_stacked_in_one_cell() -> None:
    form = extract_form([grid([["姓名\n张三", "联系电话\n138 1234 5678"]])])
    assert values(form.fields) == {"subject_name": "张三", "phone": "13812345678"}


def test_names_and_addresses_are_simplified_but_account_names_are_kept() -> None:
    from parsers.fields import normalise_value

    assert normalise_value("subject_name", "邢臺電子商務有限公司")["subject_name"].value == (
        "邢台电子商务有限公司"
    )
    assert normalise_value("address", "鋼铁路175號")["address"].value == "钢铁路175号"
    assert normalise_value("account_name", "臺灣美食")["account_name"].value == "臺灣美食"
