"""Property tests of the mail reader and the document readers (hypothesis), a few seconds each.

The mutations and the promises checked are those of `bench/fuzz_bench.py` (which runs them for
as long as asked); here hypothesis chooses seeds and mutations, and also builds MIME trees,
headers and archives of its own. Promises: the mail reader never falls back to its last guard
(an error inside it), attachment names carry no control character and no ``..``, sizes and
SHA-256 fit the bytes, no more attachments than the limit, a subject is one line, addresses
carry no control character; the document reader always returns documents; archive expansion
keeps its limits.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import sys
import zipfile
from pathlib import Path
from types import ModuleType

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from intake.reading import ReadLimits, read_message
from intake.reading.charsets import codec_for
from parsers.archives import ArchiveLimits, archive_kind, expand_archive
from tests import factories, hostile

REPO = Path(__file__).resolve().parents[2]
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
SLOWER = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_bench", REPO / "bench" / "fuzz_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_bench"] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
QUIRKS = sorted((REPO / "samples" / "mail" / "quirks").glob("*.eml"))
SCENARIOS = sorted((REPO / "samples" / "scenarios").rglob("*.eml"))
MAIL_SEEDS = [p.read_bytes() for p in (*QUIRKS, *SCENARIOS)]


def _form_xlsx() -> bytes:
    return factories.form_xlsx(county=None)


DOCUMENT_SEEDS = [
    ("form.xlsx", _form_xlsx()),
    ("two.pdf", hostile.many_pages_pdf(2)),
    ("files.zip", hostile.zip_bytes([("a.txt", "姓名：张喆".encode()), ("b.csv", b"a,b\n1,2\n")])),
    ("form.csv", "主体类型,个人\n姓名,张喆\n".encode("gb18030")),
]

mutation_steps = st.lists(
    st.tuples(st.sampled_from(BENCH.MUTATIONS), st.integers(0, 2**32 - 1)), min_size=1, max_size=4
)


def test_there_are_seeds() -> None:
    assert len(QUIRKS) >= 20 and len(SCENARIOS) >= 20


@QUICK
@given(seed=st.sampled_from(MAIL_SEEDS), steps=mutation_steps)
def test_mutated_seed_mails_keep_every_promise(seed: bytes, steps: list[tuple[str, int]]) -> None:
    raw = BENCH.apply(seed, steps, MAIL_SEEDS)
    assert BENCH.mail_failure(raw) is None


@QUICK
@given(seed=st.sampled_from(MAIL_SEEDS), steps=mutation_steps, limit=st.integers(1, 5))
def test_mutated_mails_keep_tight_limits(
    seed: bytes, steps: list[tuple[str, int]], limit: int
) -> None:
    raw = BENCH.apply(seed, steps, MAIL_SEEDS)
    limits = ReadLimits(max_attachments=limit, max_depth=limit + 1, max_archive_members=limit)
    assert BENCH.mail_failure(raw, limits) is None


header_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=40
)


def _encoded_word(text: str, charset: str) -> str:
    data = text.encode(charset, errors="replace")
    return f"=?{charset}?b?{base64.b64encode(data).decode()}?="


@st.composite
def mime_trees(draw: st.DrawFn, depth: int = 0) -> bytes:
    """A MIME entity: a leaf (text, file, or nested message) or a multipart of such entities."""
    kind = draw(
        st.sampled_from(["text", "file", "multipart", "message"] if depth < 4 else ["text", "file"])
    )
    charset = draw(st.sampled_from(["utf-8", "gb2312", "gbk", "x-unknown", "utf-8\x00"]))
    if kind == "text":
        body = draw(header_text).encode("utf-8")
        encoding = draw(st.sampled_from(["7bit", "base64", "quoted-printable", "x-uue"]))
        if encoding == "base64":
            body = base64.encodebytes(body)
        return (
            f"Content-Type: text/{draw(st.sampled_from(['plain', 'html']))}; charset={charset}\r\n"
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
        ).encode() + body
    if kind == "file":
        name = draw(header_text)
        data = draw(st.binary(max_size=200))
        how = draw(st.sampled_from(["2231", "2047", "raw"]))
        if how == "2231":
            quoted = "".join(f"%{b:02X}" for b in name.encode("utf-8"))
            disposition = f"attachment; filename*=utf-8''{quoted}"
        elif how == "2047":
            disposition = f'attachment; filename="{_encoded_word(name, "utf-8")}"'
        else:
            disposition = 'attachment; filename="' + name.replace('"', "") + '"'
        head = (
            f"Content-Type: {draw(st.sampled_from(['application/octet-stream', 'image/jpeg', 'application/zip']))}\r\n"
            f"Content-Disposition: {disposition}\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        )
        return head.encode("utf-8", errors="surrogateescape") + base64.encodebytes(data)
    if kind == "message":
        inner = draw(mime_trees(depth + 1))
        return b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n" + inner
    boundary = draw(st.sampled_from(["b", "==b==", "x" * 70, "b c"]))
    parts = draw(st.lists(mime_trees(depth + 1), max_size=4))
    closing = draw(st.booleans())
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    if closing:
        body += b"--" + boundary.encode() + b"--\r\n"
    subtype = draw(st.sampled_from(["mixed", "alternative", "related", "digest", "report"]))
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode() + body


@QUICK
@given(
    tree=mime_trees(),
    subject=header_text,
    sender=header_text,
    charset=st.sampled_from(["utf-8", "gb2312", "gb18030", "big5", "iso-2022-jp"]),
)
def test_generated_mime_trees_keep_every_promise(
    tree: bytes, subject: str, sender: str, charset: str
) -> None:
    head = (
        f"From: {_encoded_word(sender, charset)} <{sender[:10]}@qq.com>\r\n"
        f"Subject: {_encoded_word(subject, charset)}\r\nMIME-Version: 1.0\r\n"
    ).encode("utf-8", errors="surrogateescape")
    raw = head + tree
    assert BENCH.mail_failure(raw) is None
    reading = read_message(raw)
    assert "\r" not in reading.envelope.subject and "\n" not in reading.envelope.subject


def test_nul_in_a_charset_label_is_an_unknown_charset() -> None:
    """Found by the fuzzer: a NUL inside a charset label made `codecs.lookup` raise ValueError."""
    assert codec_for("utf\x00-8") is None
    raw = b"From: =?utf\x00-8?q?x?= <a@qq.com>\r\nSubject: s\r\n\r\nbody"
    reading = read_message(raw)
    assert reading.envelope.from_ is not None and reading.envelope.from_.addr == "a@qq.com"
    assert not any(d.startswith("the message could not be read") for d in reading.defects)


@SLOWER
@given(seed=st.sampled_from(DOCUMENT_SEEDS), steps=mutation_steps)
def test_mutated_documents_always_come_back_as_documents(
    seed: tuple[str, bytes], steps: list[tuple[str, int]]
) -> None:
    name, data = seed
    mutated = BENCH.apply(data, steps, [d for _, d in DOCUMENT_SEEDS])
    problem, documents = BENCH.document_failure(name, mutated)
    assert problem is None
    assert all(d.file.startswith(name) for d in documents)


member_names = st.one_of(
    header_text,
    st.sampled_from(["../../etc/passwd", "/abs/x", "C:\\win\\x", "a/./b", "..", "\x00x", "a\r\nb"]),
)


@QUICK
@given(
    members=st.lists(st.tuples(member_names, st.binary(max_size=300)), max_size=12),
    steps=st.lists(
        st.tuples(st.sampled_from(["flip", "truncate", "delete"]), st.integers(0, 2**32 - 1)),
        max_size=2,
    ),
    max_members=st.integers(1, 6),
)
@example(members=[("", b"PK\x05\x06")], steps=[], max_members=1)  # a damaged nested zip
def test_generated_archives_keep_names_safe_and_limits(
    members: list[tuple[str, bytes]], steps: list[tuple[str, int]], max_members: int
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            archive.writestr(f"{index}-{name}" if name else str(index), data)
    data = BENCH.apply(out.getvalue(), steps, [])
    limits = ArchiveLimits(max_members=max_members, max_total_bytes=1500)
    contents = expand_archive(data, limits)
    assert len(contents.members) <= max_members
    assert sum(len(m.data) for m in contents.members) <= 1500
    for member in contents.members:
        assert ".." not in member.name.split("/") and not member.name.startswith("/")
        assert not any(ord(ch) < 0x20 for ch in member.name)
        # A member keeps its bytes along with a problem only when it is an archive itself: the
        # problem is then that of its own expansion (too deep, damaged, encrypted, ...).
        assert member.problem is None or member.data == b"" or archive_kind(member.data)
