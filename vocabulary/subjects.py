"""Who operates an account (subject type) and whether a filing is new or a change, with the
words on a form that signal each.

The disputed words have one answer here, for the parsers' snapping and routing's reading alike:

- 个体工商户 (and its short forms 个体户, 个体) is an **organisation**: it holds a business
  licence, so the documents it must send are an organisation's (the licence and the operations
  manager's ID card), not a private person's.
- 法人 and 社会团体 are organisations.

A person is 个人 or 自然人. Matching is by containment, case-insensitive for the Latin words;
a word right after a tick mark (`TICK_MARKS`) decides between printed options.
"""

from __future__ import annotations

from enum import StrEnum


class SubjectType(StrEnum):
    """Who operates the account."""

    INDIVIDUAL = "individual"
    ORGANIZATION = "organization"


class FilingType(StrEnum):
    """A first filing or a change to an earlier one."""

    NEW = "new"
    CHANGE = "change"


INDIVIDUAL_WORDS: tuple[str, ...] = ("个人", "自然人", "individual", "person")
"""Words that make the subject a private person."""

ORGANIZATION_WORDS: tuple[str, ...] = (
    "个体工商户",
    "个体户",
    "个体",
    "企业",
    "单位",
    "公司",
    "事业单位",
    "社会组织",
    "社会团体",
    "团体",
    "机关",
    "组织",
    "法人",
    "机构",
    "媒体",
    "政府",
    "organization",
    "organisation",
    "company",
)
"""Words that make the subject an organisation (个体工商户 included: it holds a licence)."""

CHANGE_WORDS: tuple[str, ...] = ("变更", "更新", "change")
"""Words that make a filing a change to an earlier one."""

NEW_WORDS: tuple[str, ...] = ("首次", "新开通", "新增", "新办", "新备案", "新开", "新", "new")
"""Words that make a filing a first one (read after the change words are taken out)."""

TICK_MARKS = "☑√■✓✔☒▣"
"""Marks that tick a printed option (☑个人 □企业)."""

SUBJECT_TYPE_WORDS: dict[str, str] = {"individual": "个人", "organization": "企业/单位"}
"""Each subject type as office staff and registrants read it."""
