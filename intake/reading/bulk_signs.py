"""Header signs that a mail was sent in bulk or with a forged sender.

These are facts, not verdicts: `routing.mail_classifier` weighs them with everything else.

* ``list_id`` / ``list_unsubscribe``: a mailing list or a newsletter (RFC 2919, RFC 2369).
* ``bulk_mailer``: an X-Mailer or similar header naming a mass-mailing program.
* ``missing_from``: no usable From address.
* ``received_mismatch``: the From address is at a large mail provider whose servers hand over
  their mail themselves, the mail has a Received chain, and no Received header names that
  provider (a forged From).
* ``undisclosed_recipients``: the mail was addressed to nobody in particular.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

BULK_MAILERS = re.compile(
    r"group\s*mail|mass\s*mail|bulk|mailking|邮件群发|群发|fastmail\s*sender|sendblaster|"
    r"atomic\s*mail|mailchimp|sendgrid|campaign|newsletter|phplist|interspire|aweber",
    re.IGNORECASE,
)
PROVIDERS: dict[str, tuple[str, ...]] = {
    "163.com": ("163.com", "netease", "163mail", "126.net", "163.net"),
    "126.com": ("126.com", "163.com", "netease", "126.net"),
    "yeah.net": ("yeah.net", "163.com", "netease"),
    "qq.com": ("qq.com", "tencent", "foxmail.com", "qq.net"),
    "foxmail.com": ("qq.com", "tencent", "foxmail.com"),
    "sina.com": ("sina.com", "sina.net", "sinamail"),
    "sina.com.cn": ("sina.com", "sina.net", "sinamail"),
    "sohu.com": ("sohu.com", "sohu.net", "sogou"),
    "gmail.com": ("google.com", "gmail.com"),
    "hotmail.com": ("hotmail.com", "outlook.com", "microsoft.com", "live.com"),
    "yahoo.com": ("yahoo.com", "yahoo.net", "yahoodns"),
    "yahoo.com.cn": ("yahoo.com", "yahoo.net", "yahoo.com.cn", "yahoodns"),
    "tom.com": ("tom.com", "163.net"),
}


def bulk_signs(
    *,
    sender: str | None,
    received: Sequence[str],
    list_id: str | None,
    list_unsubscribe: str | None,
    mailer: str | None,
    to_text: str,
) -> tuple[str, ...]:
    """The signs found in a mail's headers (see the module's list), in a fixed order."""
    signs: list[str] = []
    if list_id:
        signs.append("list_id")
    if list_unsubscribe:
        signs.append("list_unsubscribe")
    if mailer and BULK_MAILERS.search(mailer):
        signs.append("bulk_mailer")
    if not sender or "@" not in sender:
        signs.append("missing_from")
    else:
        domain = sender.rpartition("@")[2].lower().strip(" >")
        names = PROVIDERS.get(domain)
        chain = " ".join(received).lower()
        if names and received and not any(name in chain for name in names):
            signs.append("received_mismatch")
    if re.search(r"undisclosed|未公开|recipient list suppressed", to_text, re.IGNORECASE):
        signs.append("undisclosed_recipients")
    return tuple(signs)
