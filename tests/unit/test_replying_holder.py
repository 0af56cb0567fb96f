"""The office named in a 'transferred' reply: from the config, or from the notice's list when
the config leaves that office out (the registrant must still learn where the filing went)."""

from __future__ import annotations

from intake.replying.queue import holder_info
from tests import factories


def test_holder_comes_from_the_config_when_configured() -> None:
    configured = factories.office(code="130582", mailbox="other@163.com")
    info = holder_info({"130582": configured}, "130582")
    assert info is not None and info.mailbox == "other@163.com"


def test_holder_left_out_of_the_config_comes_from_the_notice() -> None:
    info = holder_info({}, "130582")
    assert info is not None
    assert info.name == "沙河市互联网信息办公室"
    assert info.mailbox == "shhlwxxb@163.com"
    assert info.phone and info.contacts


def test_unknown_code_has_no_holder() -> None:
    assert holder_info({}, "999999") is None
