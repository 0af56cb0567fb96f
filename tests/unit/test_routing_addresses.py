"""The mailbox an address reaches: case folded, sub-address tag cut."""

from __future__ import annotations

import pytest

from routing.addresses import mailbox_identity


@pytest.mark.parametrize(
    ("address", "identity"),
    [
        ("victim+1@example.com", "victim@example.com"),
        ("Victim+spam+2@Example.COM", "victim@example.com"),
        (" <Zhang.San@QQ.com> ", "zhang.san@qq.com"),
        ("+only@qq.com", "+only@qq.com"),
        ("no-at-sign", "no-at-sign"),
        ("a+b@c@d.com", "a@d.com"),
    ],
)
def test_mailbox_identity(address: str, identity: str) -> None:
    assert mailbox_identity(address) == identity
