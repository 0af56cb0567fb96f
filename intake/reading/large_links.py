"""Web-mail "large attachment" (超大附件) link blocks: NetEase 163/126 and QQ Mail.

These mails carry no MIME part for the big file, only a block of links in the body, e.g.
``从网易163邮箱发来的超大附件`` in ``<div id="divNeteaseBigAttach">`` with links to
``mail.163.com/large-attachment-download/…`` and text ``(80.96M, 2026年8月17日 0:49 到期)``, or
``从QQ邮箱发来的超大附件`` with ``ftnExs_download`` links. Each file becomes one
`LargeAttachmentLink`; a marker with no recognisable link still yields one entry, so the
pipeline never mistakes such a mail for one without files.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from intake.reading.model import LargeAttachmentLink

_NETEASE_MARKERS = (
    "从网易163邮箱发来的超大附件",
    "从网易126邮箱发来的超大附件",
    "divNeteaseBigAttach",
)
_NETEASE_MARKER_TEXT = re.compile(r"从网易\w*邮箱发来的超大附件")
_QQ_MARKERS = ("从QQ邮箱发来的超大附件", "ftnExs_download")
_URL = re.compile(r"""https?://[^\s"'<>）)\]]+""")
_SIZE = re.compile(
    r"(\d+(?:\.\d+)?\s*(?:[KMGT]i?B?|[KMGT]|字节|bytes?)(?![A-Za-z]))", re.IGNORECASE
)
_EXPIRES = re.compile(
    r"(\d{4}年\d{1,2}月\d{1,2}日(?:\s*\d{1,2}:\d{2})?\s*到期|永久有效|无限期|已过期|\d+\s*天后到期)"
)
_FILE_NAME = re.compile(r"""([^\s/\\:*?"<>|()（）,，]+\.[A-Za-z0-9]{1,6})(?![A-Za-z0-9])""")
_GENERIC_TEXT = {"下载", "预览", "download", "preview", "点击下载", "查看", "打开", "收藏", "转存"}


def provider_of(url: str) -> str | None:
    """``netease`` or ``qq`` when `url` is a large-attachment download link, else None."""
    lowered = url.lower()
    if "large-attachment-download" in lowered or (
        re.search(r"\.(163|126)\.com|yeah\.net", lowered) and "attach" in lowered
    ):
        return "netease"
    if "ftnexs_download" in lowered or (
        "qq.com" in lowered and ("/ftn" in lowered or "ftn_" in lowered or "ftn." in lowered)
    ):
        return "qq"
    return None


class _Tokens(HTMLParser):
    """Text and links of an HTML body in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[str, str | None]] = []
        self.href: str | None = None
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        if tag == "a":
            self.href = dict(attrs).get("href")
            if self.href:
                self.tokens.append(("", self.href))
        elif tag in ("div", "p", "br", "tr", "li", "td", "span"):
            self.tokens.append((" ", None))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skipping = max(0, self.skipping - 1)
        if tag == "a":
            self.href = None

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.tokens.append((data, self.href))


def _html_tokens(html: str) -> list[tuple[str, str | None]]:
    parser = _Tokens()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):
        pass
    return parser.tokens


def _text_tokens(text: str) -> list[tuple[str, str | None]]:
    tokens: list[tuple[str, str | None]] = []
    position = 0
    for match in _URL.finditer(text):
        tokens.append((text[position : match.start()], None))
        tokens.append(("", match.group(0)))
        position = match.end()
    tokens.append((text[position:], None))
    return tokens


def _links_from_tokens(tokens: list[tuple[str, str | None]]) -> list[LargeAttachmentLink]:
    order: list[str] = []
    anchor_text: dict[str, list[str]] = {}
    segments: dict[str, list[str]] = {}
    before: dict[str, str] = {}
    pending_text: list[str] = []
    current: str | None = None
    for text, href in tokens:
        url = unescape(href).strip() if href else None
        if url and provider_of(url):
            if url not in segments:
                order.append(url)
                segments[url] = []
                anchor_text[url] = []
                before[url] = "".join(pending_text[-20:])
                pending_text = []
            current = url
            anchor_text[url].append(text)
            segments[url].append(text)
        elif current is not None:
            segments[current].append(text)
            pending_text.append(text)
        else:
            pending_text.append(text)
    links: list[LargeAttachmentLink] = []
    for url in order:
        segment = " ".join(segments[url])
        name = next(
            (
                t.strip()
                for t in anchor_text[url]
                if t.strip()
                and t.strip().lower() not in _GENERIC_TEXT
                and not t.strip().lower().startswith("http")
            ),
            None,
        )
        if name is None:
            found = _FILE_NAME.search(segment) or _FILE_NAME.search(before[url])
            name = found.group(1) if found else None
        size = _SIZE.search(segment) or _SIZE.search(before[url])
        expires = _EXPIRES.search(segment) or _EXPIRES.search(before[url])
        links.append(
            LargeAttachmentLink(
                provider=provider_of(url) or "netease",
                file_name=name,
                url=url,
                size_text=size.group(1).replace(" ", "") if size else None,
                expires_text=expires.group(1) if expires else None,
            )
        )
    return _merge_same_file(links)


def _merge_same_file(links: list[LargeAttachmentLink]) -> list[LargeAttachmentLink]:
    """Several links (icon, name, 下载, 预览) for one file collapse into one entry."""
    merged: list[LargeAttachmentLink] = []
    for link in links:
        same = next(
            (
                m
                for m in merged
                if link.file_name and m.file_name == link.file_name and m.provider == link.provider
            ),
            None,
        )
        if same is None:
            merged.append(link)
            continue
        index = merged.index(same)
        merged[index] = LargeAttachmentLink(
            provider=same.provider,
            file_name=same.file_name,
            url=same.url,
            size_text=same.size_text or link.size_text,
            expires_text=same.expires_text or link.expires_text,
        )
    return merged


def _marker_provider(text: str) -> str | None:
    if any(marker in text for marker in _NETEASE_MARKERS) or _NETEASE_MARKER_TEXT.search(text):
        return "netease"
    if any(marker in text for marker in _QQ_MARKERS):
        return "qq"
    return None


def find_large_links(
    html_bodies: list[str], text_bodies: list[str]
) -> tuple[LargeAttachmentLink, ...]:
    """Large-attachment links in the HTML bodies, or else in the plain-text bodies."""
    found: list[LargeAttachmentLink] = []
    marker: str | None = None
    for html in html_bodies:
        marker = marker or _marker_provider(html)
        lowered = html.lower()
        if (
            marker
            or "large-attachment" in lowered
            or "ftnexs" in lowered
            or "qq.com/ftn" in lowered
        ):
            found.extend(_links_from_tokens(_html_tokens(html)))
    if not found:
        for text in text_bodies:
            marker = marker or _marker_provider(text)
            found.extend(_links_from_tokens(_text_tokens(text)))
    unique: dict[tuple[str | None, str | None], LargeAttachmentLink] = {}
    for link in found:
        unique.setdefault((link.url, link.file_name), link)
    if not unique and marker:
        return (LargeAttachmentLink(marker, None, None, None, None),)
    return tuple(unique.values())
