"""Which mailbox an address reaches, for counting and comparing senders and recipients.

`victim+1@example.com` … `victim+7@example.com` reach one person's mailbox where the provider
supports sub-addressing, so a per-address limit must count them as one; case does not matter in
practice either. The identity is the lower-cased address with the `+tag` of its local part cut.
"""

from __future__ import annotations


def mailbox_identity(address: str) -> str:
    """`Zhang.San+1@QQ.com` → `zhang.san@qq.com`; text without an `@` is only folded to lower case."""
    plain = address.strip().strip("<>").strip().lower()
    local, at, domain = plain.rpartition("@")
    if not at:
        return plain
    base = local.split("+", 1)[0] or local
    return f"{base}@{domain}"
