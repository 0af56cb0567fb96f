"""Digests as clerks read them, made from a real store: a transferred filing counted the same in
the receiving office, the sending office and the city roll-up; no codes or English; 收到
counting no set-aside mail; unreadable attachments named with why and the large-attachment
link passed on; waiting items with age and console link; a failed poll kept for the admin;
mail after a digest made by hand in the next digest; the form's phone, 运维负责人 and 新增/变更
in the 台账."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from intake.digesting.digests import make_digest
from intake.privacy import crypto
from intake.settings import Settings, load_settings
from intake.store.database import Store
from intake.store.files import FileStore
from intake.store.tables import Attachment, Document, Filing, Message, PollState
from tests import factories

Book = openpyxl.Workbook

CITY, SHAHE = "130500", "130582"
DAY = date(2026, 5, 12)
MORNING = datetime(2026, 5, 12, 1, 0, tzinfo=UTC)  # 09:00 in Xingtai
DIGEST_TIME = datetime(2026, 5, 12, 9, 45, tzinfo=UTC)  # 17:45, after digest_at 17:30
CONSOLE = "https://beian.example.gov.cn"
ENGLISH = ("auto_reply", "mailer_daemon", "no_filing_signs", "(sent)", "Errno", "unreachable")


def settings_for(tmp_path: Path) -> Settings:
    config = factories.loopback_config(
        tmp_path,
        imap_port=143,
        smtp_port=25,
        offices={CITY: "wlglhzfdck@163.com", SHAHE: "shhlwxxb@163.com"},
        database_url=f"sqlite:///{tmp_path / 'intake.db'}",
        digest_at="17:30",
    )
    config.write_text(
        config.read_text(encoding="utf-8") + f'\n[web]\npublic_url = "{CONSOLE}/"\n',
        encoding="utf-8",
    )
    settings = load_settings(config, {"PW": "x"})
    assert settings.web.public_url == f"{CONSOLE}/", settings.problems
    return settings


_serial = iter(range(1, 10_000))


def message(office: str, at: datetime, sender: str, **values: object) -> Message:
    number = next(_serial)
    return Message(
        sha256=f"{number:064x}",
        body_sha256=f"{number:064x}",
        size=100,
        office=office,
        folder="INBOX",
        stored_at=at,
        from_addr=sender,
        state=values.pop("state", "decided"),
        **values,
    )


def filing(reference: str, office: str, received_by: str, **values: object) -> Filing:
    return Filing(
        reference=reference,
        office=office,
        received_by=received_by,
        created_at=MORNING,
        updated_at=MORNING,
        **values,
    )


def form(db: object, filed: Filing, mail: Message, fields: dict[str, str]) -> None:
    attachment = Attachment(
        message_pk=mail.id,
        ordinal=0,
        name="备案表.xlsx",
        declared_type="application/vnd.ms-excel",
        sniffed_type="xlsx",
        size=10,
        sha256="f" * 64,
        origin="attachment",
    )
    db.add(attachment)  # type: ignore[attr-defined]
    db.flush()  # type: ignore[attr-defined]
    db.add(  # type: ignore[attr-defined]
        Document(
            attachment_pk=attachment.id,
            filing_id=filed.id,
            part="备案表.xlsx",
            kind="registration_form",
            fields=fields,
            accounts=[{"platform": "抖音号", "account_name": "沙河好物", "account_id": "shahe"}],
        )
    )


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, Book]]]:
    """Both offices' digests of one day, made once for the module's tests (they only read)."""
    tmp_path = tmp_path_factory.mktemp("digests")
    keyring = crypto.Keyring((crypto.new_key(),), crypto.KEYS_ENV)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(crypto.KEYS_ENV, keyring.current.line())
        store = Store.open(f"sqlite:///{tmp_path / 'intake.db'}")
        try:
            made = _make(store, tmp_path)
        finally:
            store.close()
    yield made


def _make(store: Store, tmp_path: Path) -> dict[str, tuple[str, Book]]:
    settings = settings_for(tmp_path)
    with store.session() as db:
        moved = filing(
            "XT130500-20260512-0001",
            SHAHE,
            CITY,
            sender="wang@qq.com",
            status="complete",
            subject_type="organization",
            filing_type="change",
            reply_kind="transferred",
        )
        broken = filing(
            "XT130582-20260512-0002",
            SHAHE,
            SHAHE,
            sender="li@qq.com",
            status="unreadable",
            subject_type="individual",
            filing_type="new",
            missing=["registration_form"],
            problems=["uncertain:county"],
        )
        db.add_all([moved, broken])
        db.flush()
        first = message(CITY, MORNING, "wang@qq.com", nature="filing", filing_id=moved.id)
        second = message(
            SHAHE,
            MORNING + timedelta(hours=1),
            "li@qq.com",
            nature="filing",
            filing_id=broken.id,
            large_links=[{"file_name": "备案材料.zip", "url": "https://mail.163.com/large/abc"}],
        )
        ignored = [
            message(SHAHE, MORNING, "robot@qq.com", nature="ignored", ignored_reason=reason)
            for reason in ("auto_reply", "mailer_daemon", "no_filing_signs", "bounce")
        ]
        db.add_all([first, second, *ignored])
        db.flush()
        form(
            db,
            moved,
            first,
            {
                "subject_name": "沙河好物商贸有限公司",
                "phone": "13931900077",
                "manager_name": "孙立新",
                "county": SHAHE,
            },
        )
        db.add(
            Attachment(
                message_pk=second.id,
                ordinal=0,
                name="材料.7z",
                declared_type="application/x-7z-compressed",
                sniffed_type="7z",
                size=10,
                sha256="e" * 64,
                origin="attachment",
                problem="encrypted",
            )
        )
        db.add(
            PollState(
                office=SHAHE,
                folder="*",
                last_result="failed",
                last_error="server unreachable: check the host name ([Errno -2] Name or service not known)",
                consecutive_failures=2,
                last_finished_at=MORNING,
            )
        )
    files = FileStore(tmp_path / "files")
    out: dict[str, tuple[str, Book]] = {}
    for office in settings.enabled_offices:
        result = make_digest(settings, store, files, office, DAY, DIGEST_TIME)
        assert result is not None
        book = openpyxl.load_workbook(io.BytesIO(result.xlsx_path.read_bytes()))
        out[office.code] = (result.html_path.read_text(encoding="utf-8"), book)
    return out


def _rows(book: openpyxl.Workbook, sheet: str) -> list[dict[str, object]]:
    table = book[sheet]
    header = [c.value for c in table[1]]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in table.iter_rows(2)]


def test_a_transfer_counts_the_same_in_both_offices_and_the_roll_up(
    made: dict[str, tuple[str, Book]],
) -> None:
    shahe_html, shahe = made[SHAHE]
    city_html, city = made[CITY]
    held = next(r for r in _rows(shahe, "台账") if r["备案编号"] == "XT130500-20260512-0001")
    assert held["状态"] == "材料齐全" and held["转自"] == "邢台市互联网信息办公室"
    assert not held["转至"]
    sent = next(r for r in _rows(city, "台账") if r["备案编号"] == "XT130500-20260512-0001")
    assert sent["状态"] == "材料齐全" and sent["转至"] == "沙河市互联网信息办公室"
    roll = {r["代码"]: r for r in _rows(city, "各办汇总")}
    assert roll[SHAHE]["材料齐全"] == 1 and roll[SHAHE]["转入"] == 1
    assert roll[CITY]["材料齐全"] == 0 and roll[CITY]["转出"] == 1
    assert "转自邢台市互联网信息办公室" in shahe_html and "转至沙河市互联网信息办公室" in city_html
    activity = [str(r["事项"]) for r in _rows(shahe, "今日动态")]
    assert "收到材料（转自邢台市互联网信息办公室）" in activity


def test_received_counts_no_set_aside_mail_and_no_codes_reach_clerks(
    made: dict[str, tuple[str, Book]],
) -> None:
    roll = {r["代码"]: r for r in _rows(made[CITY][1], "各办汇总")}
    assert roll[SHAHE]["收到来信"] == 1  # four set-aside mails not counted
    shahe_html, shahe = made[SHAHE]
    activity = [str(r["事项"]) for r in _rows(shahe, "今日动态")]
    assert {
        "忽略（自动回复）",
        "忽略（系统退信通知）",
        "忽略（与备案无关）",
        "忽略（退信）",
    } <= set(activity)
    for html, book in made.values():
        cells = " ".join(str(c.value) for s in book for row in s.iter_rows() for c in row)
        for word in ENGLISH:
            assert word not in html and word not in cells, word
    assert "收信失败" not in shahe_html  # the admin's, in `intake status`


def test_waiting_items_name_the_file_pass_the_link_and_show_age_and_console_link(
    made: dict[str, tuple[str, Book]],
) -> None:
    html, book = made[SHAHE]
    items = _rows(book, "待人工处理")
    unreadable = next(r for r in items if r["类别"] == "附件无法读取")
    assert "材料.7z：文件设有密码（已加密）" in str(unreadable["说明"])
    assert "https://mail.163.com/large/abc" in str(unreadable["说明"])
    assert unreadable["已等待"] == "8小时"
    assert str(unreadable["处理页面"]).startswith(f"{CONSOLE}/filing/")
    assert f'href="{CONSOLE}/filing/' in html and "已等待8小时" in html
    county = next(r for r in _rows(book, "台账") if r["备案编号"] == "XT130582-20260512-0002")
    assert str(county["所属县区"]).startswith("属地待核实")


def test_the_registry_carries_phone_manager_and_filing_type(
    made: dict[str, tuple[str, Book]],
) -> None:
    html, book = made[SHAHE]
    row = next(r for r in _rows(book, "台账") if r["备案编号"] == "XT130500-20260512-0001")
    assert row["联系电话"] == "13931900077" and row["运维负责人"] == "孙立新"
    assert row["新增/变更"] == "变更"
    assert "来信：wang@qq.com" in html and "13931900077" in html
    printed = book["台账（打印）"]
    assert printed.page_setup.orientation == "landscape" and printed.print_title_rows == "$1:$1"
    assert printed.sheet_properties.pageSetUpPr.fitToPage
    assert printed.page_setup.fitToWidth == 1 and printed.page_setup.fitToHeight == 0


def test_mail_after_a_digest_made_by_hand_is_in_the_next_digest(
    sqlite_store: Store, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    office = next(o for o in settings.enabled_offices if o.code == SHAHE)
    files = FileStore(tmp_path / "files")
    by_hand = MORNING + timedelta(hours=2)  # 11:00, before digest_at 17:30
    with sqlite_store.session() as db:
        db.add(message(SHAHE, MORNING, "early@qq.com", nature="question"))
        db.add(message(SHAHE, by_hand + timedelta(hours=3), "late@qq.com", nature="question"))
    first = make_digest(settings, sqlite_store, files, office, DAY, by_hand)
    second = make_digest(
        settings, sqlite_store, files, office, DAY + timedelta(days=1), DIGEST_TIME + timedelta(1)
    )
    assert first is not None and second is not None
    one = first.html_path.read_text(encoding="utf-8")
    two = second.html_path.read_text(encoding="utf-8")
    assert "early@qq.com" in one and "late@qq.com" not in one
    assert "late@qq.com" in two and "early@qq.com" not in two


def test_a_mismatch_reply_gets_what_the_form_and_each_document_show(sqlite_store: Store) -> None:
    from intake.replying.queue import mismatch_readings

    with sqlite_store.session() as db:
        filed = filing(
            "XT130582-20260512-0009",
            SHAHE,
            SHAHE,
            sender="zhang@qq.com",
            status="incomplete",
            subject_type="individual",
            problems=["mismatch:id_number"],
        )
        db.add(filed)
        db.flush()
        mail = message(SHAHE, MORNING, "zhang@qq.com", nature="filing", filing_id=filed.id)
        db.add(mail)
        db.flush()
        form(db, filed, mail, {"subject_name": "张建国", "id_number": "130582198807150035"})
        card = Attachment(
            message_pk=mail.id,
            ordinal=1,
            name="身份证正面.jpg",
            declared_type="image/jpeg",
            sniffed_type="jpeg",
            size=10,
            sha256="d" * 64,
            origin="attachment",
        )
        db.add(card)
        db.flush()
        db.add(
            Document(
                attachment_pk=card.id,
                filing_id=filed.id,
                part="身份证正面.jpg",
                kind="id_card_front",
                fields={"id_number": "130582198807150053", "name": "张建国"},
            )
        )
        db.flush()
        from intake.deciding.filing import current_form

        readings = mismatch_readings(db, filed, current_form(db, filed))
    assert [(r.source, r.value) for r in readings] == [
        ("备案表", "130582198807150035"),
        ("身份证复印件（身份证正面.jpg）", "130582198807150053"),
    ]
