"""Typed errors of the staff functions, each with a Chinese message a person can read."""

from __future__ import annotations

from intake.errors import PermanentError


class StaffError(PermanentError):
    """Base of the staff errors; `str(error)` is the Chinese message to show."""

    default_message = "操作失败"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)
        self.message = message or self.default_message


class NotFound(StaffError):
    """The thing does not exist, or it is not in the offices the person may see (same error)."""

    default_message = "未找到该记录，或您无权查看"


class Conflict(StaffError):
    """The thing changed meanwhile or is in a state the action does not apply to."""

    default_message = "该记录的状态已变化，请刷新后重试"


class Invalid(StaffError):
    """What the person entered cannot be used (unknown field, empty text, unknown office)."""

    default_message = "输入的内容无效"
