"""Web-mail large-attachment link blocks (超大附件) from NetEase and QQ Mail."""

from __future__ import annotations

from intake.reading import LargeAttachmentLink
from intake.reading.large_links import find_large_links, provider_of

NETEASE_URL = "https://mail.163.com/large-attachment-download/index.html?p=X66&amp;file=A"


def test_provider_of_urls() -> None:
    assert provider_of("https://mail.163.com/large-attachment-download/x") == "netease"
    assert provider_of("https://mail.qq.com/cgi-bin/ftnExs_download?k=1") == "qq"
    assert provider_of("https://www.163.com/news") is None
    assert provider_of("https://example.com/file.zip") is None


def test_netease_block_with_two_files() -> None:
    html = (
        '<div id="divNeteaseBigAttach"><div>从网易163邮箱发来的超大附件</div>'
        f'<div><a href="{NETEASE_URL}">登记表扫描.pdf</a> (80.96M, 2026年8月17日 0:49 到期)</div>'
        '<div><a href="https://mail.163.com/large-attachment-download/index.html?p=Y77">'
        "<img src=x></a><span>视频.mp4</span><span>(1.5G, 永久有效)</span></div></div>"
    )
    links = find_large_links([html], [])
    assert links == (
        LargeAttachmentLink(
            "netease",
            "登记表扫描.pdf",
            NETEASE_URL.replace("&amp;", "&"),
            "80.96M",
            "2026年8月17日 0:49 到期",
        ),
        LargeAttachmentLink(
            "netease",
            "视频.mp4",
            "https://mail.163.com/large-attachment-download/index.html?p=Y77",
            "1.5G",
            "永久有效",
        ),
    )


def test_qq_plain_text_block() -> None:
    text = (
        "从QQ邮箱发来的超大附件\n\n材料.zip (300.5M, 2026年9月1日 12:00 到期)\n"
        "进入下载页面：https://mail.qq.com/cgi-bin/ftnExs_download?k=abc&t=exs_ftn_download\n"
    )
    (link,) = find_large_links([], [text])
    assert link.provider == "qq"
    assert link.url == "https://mail.qq.com/cgi-bin/ftnExs_download?k=abc&t=exs_ftn_download"
    assert link.file_name == "材料.zip"
    assert link.size_text == "300.5M"
    assert link.expires_text == "2026年9月1日 12:00 到期"


def test_marker_without_link_still_reported() -> None:
    (link,) = find_large_links(["<p>从网易163邮箱发来的超大附件</p><p>链接已失效</p>"], [])
    assert link == LargeAttachmentLink("netease", None, None, None, None)


def test_ordinary_body_has_no_links() -> None:
    html = '<p>请看 <a href="https://www.163.com/news">新闻</a> 和附件</p>'
    assert find_large_links([html], ["正文 https://example.com/a.zip"]) == ()
