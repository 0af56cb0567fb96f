"""Ready-made paragraphs office staff put into a reply they write by hand (the console's
"canned texts"), in the register of the notice: polite, plain, official.

Keys are stable (the console and tests name them); the texts may be reworded freely.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Canned:
    """One canned paragraph: its key, a short title for the picker, and the text."""

    key: str
    title: str
    text: str


CANNED_TEXTS: tuple[Canned, ...] = (
    Canned(
        "received",
        "材料已收到",
        "您报送的新媒体账号登记备案材料已收到，我办将按照有关规定进行审核，请耐心等待。",
    ),
    Canned(
        "id_copy_unclear",
        "身份证复印件不清晰",
        "您提供的身份证复印件不够清晰，无法辨认证件号码，请重新扫描或拍摄身份证正反面后发送至本邮箱。",
    ),
    Canned(
        "id_number_check",
        "身份证号码需核对",
        "备案表中填写的身份证号码与身份证复印件不一致，请核对后重新填写《邢台市新媒体账号登记备案表》并发送至本邮箱。",
    ),
    Canned(
        "form_missing",
        "缺少备案表",
        "请下载并填写《邢台市新媒体账号登记备案表》，连同相关证件复印件一并发送至本邮箱。",
    ),
    Canned(
        "licence_missing",
        "缺少营业执照",
        "以公司名义开设的新媒体账号，请提供组织机构代码证或工商执照复印件及运维负责人身份证复印件。",
    ),
    Canned(
        "county_check",
        "请确认所属县（市、区）",
        "请确认账号运营主体所属的县（市、区），以便我们转交属地互联网信息管理部门办理。",
    ),
    Canned(
        "transferred",
        "已转交属地办理",
        "按照属地管理原则，您的备案材料已转交属地互联网信息管理部门办理，后续事宜请与其联系。",
    ),
    Canned(
        "update_within_30_days",
        "变更须在30日内更新",
        "备案登记信息发生变更时，请在30日内向属地互联网信息办公室更新原备案信息。",
    ),
    Canned(
        "contact",
        "联系方式",
        "如有疑问，请在工作时间致电本办公室，或直接回复本邮件。",
    ),
)
"""The canned paragraphs, in the order the console offers them."""


def canned_by_key(key: str) -> Canned | None:
    """The canned paragraph with this key, or None."""
    return next((c for c in CANNED_TEXTS if c.key == key), None)
