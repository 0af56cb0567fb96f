"""Realistic sample values for template checks, screenshots and tests.

Three offices as the notice lists them and reply contexts covering every reply kind and every
branch of the built-in templates (individual and organisation, late, unreadable attachments,
a question with nothing sent yet, a request after a transfer). `check_overrides` renders an
admin's templates with all of them, so a template that breaks on any branch is caught.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from notifications.digest import ActivityRow, AttentionRow, DigestInput, RegistryRow
from notifications.model import AccountLine, Reading, ReplyContext
from vocabulary.offices import Office

CITY_OFFICE = Office(
    code="130500",
    area="邢台市",
    name="邢台市互联网信息办公室",
    mailbox="wlglhzfdck@163.com",
    address="新华南路328号",
    phone="0319-3699072",
    contacts=("刘燕龙", "韩涛"),
)
SHAHE_OFFICE = Office(
    code="130582",
    area="沙河市",
    name="沙河市互联网信息办公室",
    mailbox="shhlwxxb@163.com",
    address="沙河市太行大街561号",
    phone="0319-8921750",
    contacts=("李晓静",),
)
QIAODONG_OFFICE = Office(
    code="130502",
    area="桥东区",
    name="桥东区互联网信息办公室",
    mailbox="xtqdwxb@126.com",
    address="桥东区顺德路201号",
    phone="0319-3664526",
    contacts=("张路",),
)
SAMPLE_OFFICES: tuple[Office, ...] = (CITY_OFFICE, SHAHE_OFFICE, QIAODONG_OFFICE)


def sample_contexts() -> list[ReplyContext]:
    """Contexts of every kind: acks, requests (individual, organisation, question, after a
    move) and a transfer."""
    return [
        ReplyContext(
            kind="ack",
            reference="XT130582-20200510-0003",
            office=SHAHE_OFFICE,
            holder=None,
            subject_type="individual",
            registrant="王晓明",
            accounts=(AccountLine("抖音号", "沙河美食小王", "shahe_xiaowang"),),
            missing=(),
            problems=(),
            unreadable=(),
            question=False,
            received_on="2020年5月10日",
            reply_by=None,
            late=False,
            written_on="2020年5月10日",
        ),
        ReplyContext(
            kind="ack",
            reference="XT130500-20200601-0012",
            office=CITY_OFFICE,
            holder=None,
            subject_type="organization",
            registrant="邢台牛城文化传媒有限公司",
            accounts=(
                AccountLine("微信公众账号", "牛城生活", "gh_3f2a1b9c0d11"),
                AccountLine("今日头条号", "邢台牛城生活", "1654872213547"),
            ),
            missing=(),
            problems=("id_card_back_missing", "late"),
            unreadable=(),
            question=False,
            received_on="2020年6月1日",
            reply_by=None,
            late=True,
        ),
        ReplyContext(
            kind="request_missing",
            reference="XT130582-20200511-0007",
            office=SHAHE_OFFICE,
            holder=None,
            subject_type="individual",
            registrant="李娜",
            accounts=(AccountLine("快手号", "沙河李娜", "KS2020shahe"),),
            missing=("id_card", "field:phone"),
            problems=("invalid:id_number",),
            unreadable=(("身份证.pdf", "encrypted"), ("备案表.docx", "damaged")),
            question=False,
            received_on="2020年5月11日",
            reply_by="2020年5月22日",
            late=False,
        ),
        ReplyContext(
            kind="request_missing",
            reference="XT130502-20200512-0002",
            office=QIAODONG_OFFICE,
            holder=None,
            subject_type="organization",
            registrant="邢台市顺德网络科技有限公司",
            accounts=(AccountLine("新浪微博账号", "顺德网事", "7012345678"),),
            missing=("business_licence", "field:manager_name"),
            problems=(
                "invalid:credit_code",
                "invalid:phone",
                "mismatch:id_number",
                "link_only_attachment",
            ),
            unreadable=(
                ("营业执照.jpg", "too_many_pixels"),
                ("材料.rar", "rar_unsupported"),
                ("扫描件.pdf", "timeout"),
                ("空白.xlsx", "empty"),
                ("视频.mp4", "unsupported"),
                ("大文件.zip", "too_large"),
                ("超大附件", "link_only"),
            ),
            question=False,
            received_on="2020年5月12日",
            reply_by="2020年5月22日",
            late=True,
            readings=(
                Reading("mismatch:id_number", "备案表", "130503198512120021"),
                Reading(
                    "mismatch:id_number", "身份证复印件（负责人身份证.jpg）", "130503198512210021"
                ),
            ),
        ),
        ReplyContext(
            kind="request_missing",
            reference="XT130582-20200515-0011",
            office=SHAHE_OFFICE,
            holder=None,
            subject_type="individual",
            registrant="张建国",
            accounts=(AccountLine("快手号", "沙河老张说事", "KS_laozhang"),),
            missing=(),
            problems=("mismatch:id_number", "mismatch:subject_name"),
            unreadable=(),
            question=False,
            received_on="2020年5月15日",
            reply_by="2020年5月30日",
            late=False,
            readings=(
                Reading("mismatch:id_number", "备案表", "130582198807150035"),
                Reading(
                    "mismatch:id_number", "身份证复印件（身份证正面.jpg）", "130582198807150053"
                ),
                Reading("mismatch:subject_name", "备案表", "张建国"),
                Reading("mismatch:subject_name", "身份证复印件（身份证正面.jpg）", "张建华"),
            ),
        ),
        ReplyContext(
            kind="request_missing",
            reference="XT130500-20200509-0001",
            office=CITY_OFFICE,
            holder=None,
            subject_type=None,
            registrant=None,
            accounts=(),
            missing=("registration_form", "id_card"),
            problems=(),
            unreadable=(),
            question=True,
            received_on="2020年5月9日",
            reply_by="2020年5月22日",
            late=False,
        ),
        ReplyContext(
            kind="request_missing",
            reference="XT130500-20200513-0004",
            office=CITY_OFFICE,
            holder=SHAHE_OFFICE,
            subject_type="individual",
            registrant="赵磊",
            accounts=(AccountLine("百家号", "沙河那些事", "1665012345678901"),),
            missing=("registration_form",),
            problems=(),
            unreadable=(),
            question=False,
            received_on="2020年5月13日",
            reply_by=None,
            late=False,
        ),
        ReplyContext(
            kind="information",
            reference="",
            office=SHAHE_OFFICE,
            holder=None,
            subject_type=None,
            registrant=None,
            accounts=(),
            missing=(),
            problems=(),
            unreadable=(),
            question=True,
            received_on="2020年5月15日",
            reply_by=None,
            late=False,
        ),
        ReplyContext(
            kind="transferred",
            reference="XT130500-20200514-0009",
            office=CITY_OFFICE,
            holder=QIAODONG_OFFICE,
            subject_type="organization",
            registrant="襄都区某某商贸有限公司",
            accounts=(AccountLine("抖音号", "襄都好物", "xiangdu_haowu"),),
            missing=(),
            problems=(),
            unreadable=(),
            question=False,
            received_on="2020年5月14日",
            reply_by=None,
            late=False,
        ),
    ]


def sample_digest_input(*, city: bool = True) -> DigestInput:
    """A day's digest with filings of every status, activity, items for a person and, for the
    city office, a roll-up (one hostile-looking value included, as registrants send them)."""
    day = date(2020, 5, 12)
    shanghai = timezone(timedelta(hours=8))
    office = CITY_OFFICE if city else SHAHE_OFFICE
    registry = (
        RegistryRow(
            reference=f"XT{office.code}-20200510-0003",
            received_on=date(2020, 5, 10),
            updated_on=day,
            registrant="wangxm@qq.com",
            subject_type="individual",
            subject_name="王晓明",
            id_number="130582199001011234",
            credit_code=None,
            accounts=(AccountLine("抖音号", "沙河美食小王", "shahe_xiaowang"),),
            county="130582",
            office=office.code,
            status="complete",
            missing=(),
            problems=("id_card_back_missing",),
            last_reply="ack (sent)",
            late=False,
            phone="13803190001",
            filing_type="new",
        ),
        RegistryRow(
            reference=f"XT{office.code}-20200512-0001",
            received_on=day,
            updated_on=day,
            registrant="news@niucheng.cn",
            subject_type="organization",
            subject_name="邢台牛城文化传媒有限公司",
            id_number="130503198512120021",
            credit_code="91130500MA0ABCDE1X",
            accounts=(
                AccountLine("微信公众账号", "牛城生活", "gh_3f2a1b9c0d11"),
                AccountLine("今日头条号", "邢台牛城生活", "1654872213547"),
            ),
            county="130503",
            office=office.code,
            status="incomplete",
            missing=("business_licence",),
            problems=("invalid:phone", "late"),
            last_reply="request_missing (sent)",
            late=True,
            phone="0319-2023456",
            manager="刘建华",
            filing_type="change",
        ),
        RegistryRow(
            reference=f"XT{office.code}-20200512-0002",
            received_on=day,
            updated_on=day,
            registrant='=HYPERLINK("http://x")@example.com',
            subject_type=None,
            subject_name="<script>alert(1)</script>",
            id_number=None,
            credit_code=None,
            accounts=(),
            county=None,
            office=office.code,
            status="unreadable",
            missing=("registration_form", "id_card"),
            problems=("link_only_attachment", "uncertain:county"),
            last_reply=None,
            late=False,
            county_uncertain=True,
        ),
        RegistryRow(
            reference=f"XT{office.code}-20200511-0004",
            received_on=date(2020, 5, 11),
            updated_on=day,
            registrant="shunde@126.com",
            subject_type="organization",
            subject_name="襄都区某某商贸有限公司",
            id_number="130502197806060017",
            credit_code="91130502MA0XYZ1234",
            accounts=(AccountLine("抖音号", "襄都好物", "xiangdu_haowu"),),
            county="130502",
            office=office.code if not city else "130502",
            status="complete",
            missing=(),
            problems=(),
            last_reply="transferred (sent)",
            late=False,
            phone="13931900077",
            manager="孙立新",
            filing_type="new",
            transferred_from=None if city else "130502",
            transferred_to="130502" if city else None,
        ),
    )
    activity = (
        ActivityRow(
            datetime(2020, 5, 12, 1, 5, tzinfo=UTC),
            registry[1].reference,
            "收到材料",
            "news@niucheng.cn",
        ),
        ActivityRow(
            datetime(2020, 5, 12, 9, 6, tzinfo=shanghai),
            registry[1].reference,
            "回复“请补充材料”已发出",
            "news@niucheng.cn",
        ),
        ActivityRow(
            datetime(2020, 5, 12, 10, 30, tzinfo=shanghai),
            registry[3].reference,
            "收到材料，已转至桥东区互联网信息办公室"
            if city
            else "收到材料（转自桥东区互联网信息办公室）",
            "shunde@126.com",
        ),
        ActivityRow(
            datetime(2020, 5, 12, 11, 0, tzinfo=shanghai),
            registry[0].reference,
            "回复“材料已收齐”已发出",
            "wangxm@qq.com",
        ),
    )
    console = "https://beian.example.gov.cn"
    attention = (
        AttentionRow(
            "quarantined",
            None,
            "邮件 #1042（x@163.com）读取三次失败，已隔离",
            since=datetime(2020, 5, 9, 16, 0, tzinfo=shanghai),
            link=f"{console}/mail/1042",
        ),
        AttentionRow(
            "uncertain_county",
            registry[2].reference,
            "账号名称只写“清河”，无法确定属地",
            since=datetime(2020, 5, 12, 9, 30, tzinfo=shanghai),
            link=f"{console}/filing/3",
        ),
        AttentionRow(
            "unreadable",
            registry[2].reference,
            "材料.7z：文件设有密码（已加密）；超大附件 备案材料.zip：只是下载链接"
            "（https://mail.163.com/large/abc123）",
            since=datetime(2020, 5, 11, 10, 0, tzinfo=shanghai),
            link=f"{console}/filing/3",
        ),
        AttentionRow(
            "failed_send",
            registry[1].reference,
            "回复news@niucheng.cn发送失败：对方邮箱拒收",
            since=datetime(2020, 5, 12, 9, 6, tzinfo=shanghai),
        ),
    )
    rollup: tuple[tuple[Office, dict[str, int]], ...] = ()
    if city:
        rollup = (
            (
                CITY_OFFICE,
                {
                    "received": 4,
                    "complete": 1,
                    "incomplete": 2,
                    "transferred_in": 0,
                    "transferred_out": 1,
                    "attention": 4,
                },
            ),
            (
                SHAHE_OFFICE,
                {
                    "received": 7,
                    "complete": 5,
                    "incomplete": 2,
                    "transferred_in": 0,
                    "transferred_out": 0,
                    "attention": 0,
                },
            ),
            (
                QIAODONG_OFFICE,
                {
                    "received": 3,
                    "complete": 2,
                    "incomplete": 1,
                    "transferred_in": 1,
                    "transferred_out": 0,
                    "attention": 1,
                },
            ),
        )
    return DigestInput(
        office=office,
        day=day,
        registry=registry,
        activity=activity,
        attention=attention,
        rollup=rollup,
        made_at=datetime(2020, 5, 12, 17, 30, tzinfo=shanghai),
        activity_since=datetime(2020, 5, 11, 17, 30, tzinfo=shanghai),
    )
