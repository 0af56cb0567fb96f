"""Fuzzing the mail reader and the document readers for a set time, from real seeds.

Seeds: the quirk mails (`samples/mail/quirks`), the scenario mails (`samples/scenarios`), the
sample documents (`samples/documents/out`) and the real-world imap-tools corpus
(`/work/shared/corpus/imap_tools`, as tests/integration/test_corpus_imap_tools.py uses). Each
input is a seed after one to four mutations (bytes flipped, inserted, deleted, repeated, cut,
line endings changed, two seeds spliced, a member of an xlsx/docx zip mutated) and is read with
`intake.reading.read_message` (mails) or `parsers.read_document` (documents; an OCR engine that
finds nothing stands in, since recognition is not under test).

A failure is: an exception out of a reader; a mail reading that fell back to its last guard
("the message could not be read (…)", an error inside the reader); a broken promise (an
attachment name with a control character or a ``..`` part, a size or SHA-256 that does not fit
its bytes, more attachments than the limit, a subject over two lines, a control character in an
address or its display name); or an input
that takes longer than `--timeout` seconds. Documents that come back `damaged` are not failures
(that is the answer for damaged bytes); the kinds of error behind them are counted.

    .venv/bin/python bench/fuzz_bench.py --seconds 60
    .venv/bin/python bench/fuzz_bench.py --seconds 600 --seed 7 --save /tmp/fuzz-failures
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import logging
import os
import random
import signal
import sys
import time
import traceback
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from intake.reading import ReadLimits, read_message  # noqa: E402
from parsers import ParseLimits, read_document  # noqa: E402
from parsers.model import ParsedDocument, TextBox  # noqa: E402

MAIL_SEEDS = (
    REPO / "samples" / "mail" / "quirks",
    REPO / "samples" / "scenarios",
    REPO.parent / "shared" / "corpus" / "imap_tools" / "messages",
)
DOCUMENT_SEEDS = REPO / "samples" / "documents" / "out"
DOCUMENT_SUFFIXES = (".xlsx", ".xls", ".docx", ".pdf", ".png", ".jpg", ".csv", ".txt", ".zip")
MAX_DOCUMENT_SEED_BYTES = 400_000
FUZZ_READ_LIMITS = ReadLimits()
FUZZ_PARSE_LIMITS = ParseLimits(
    max_pages=2, max_pixels=4_000_000, seconds_per_document=20, orient_pages=False
)
TOKENS = (
    b"\r\n",
    b"\n",
    b"\r",
    b"\x00",
    b"--",
    b"=?utf-8?b?",
    b"=?gb2312?Q?=B1=B8?=",
    b"?=",
    b"\r\n\r\n",
    b"Content-Type: multipart/mixed; boundary=x\r\n",
    b"Content-Type: message/rfc822\r\n\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Disposition: attachment; filename*=utf-8''..%2F..%2Fetc%2Fpasswd\r\n",
    b"boundary=",
    b"charset=",
    b"PK\x03\x04",
    b"%PDF-1.4",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07\x00",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"99999999999999999999",
    b"-1",
    b"\xe5\xa4\x87\xe6\xa1\x88",
    b"\xb1\xb8\xb0\xb8",
    b"\xef\xbb\xbf",
    b"<",
    b">",
    b"@",
    b";",
    b'"',
    b"\\",
)
MUTATIONS = ("flip", "insert", "delete", "repeat", "truncate", "endings", "splice", "member")


class NoText:
    """An OCR engine that finds nothing: recognition is not what is being fuzzed."""

    name = "none"

    def recognise(self, image: object) -> list[TextBox]:
        return []


@dataclass(frozen=True)
class Seed:
    """One starting input: where it came from, mail or document, its bytes."""

    name: str
    kind: str
    data: bytes


def load_seeds() -> list[Seed]:
    """Every mail and (small enough) document seed that exists on this machine."""
    seeds: list[Seed] = []
    for folder in MAIL_SEEDS:
        if folder.is_dir():
            for path in sorted(folder.rglob("*.eml")):
                seeds.append(Seed(_shown(path), "mail", path.read_bytes()))
    if DOCUMENT_SEEDS.is_dir():
        for path in sorted(DOCUMENT_SEEDS.iterdir()):
            wanted = path.suffix.lower() in DOCUMENT_SUFFIXES and path.is_file()
            if wanted and path.stat().st_size <= MAX_DOCUMENT_SEED_BYTES:
                seeds.append(Seed(_shown(path), "document", path.read_bytes()))
    return seeds


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path.relative_to(REPO.parent))


# --- mutations ------------------------------------------------------------------------------


def _span(data: bytes, rng: random.Random) -> tuple[int, int]:
    start = rng.randrange(len(data) + 1)
    return start, min(len(data), start + rng.choice((1, 2, 4, 16, 64, 512, 4096)))


def mutate(data: bytes, name: str, rng: random.Random, others: list[bytes]) -> bytes:
    """`data` after the mutation `name`, with randomness from `rng` (`others`: splice donors)."""
    if name == "flip" and data:
        out = bytearray(data)
        for _ in range(rng.choice((1, 2, 8, 32))):
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        return bytes(out)
    if name == "insert":
        at = rng.randrange(len(data) + 1)
        piece = rng.choice(TOKENS) if rng.random() < 0.7 else rng.randbytes(rng.randrange(1, 64))
        return data[:at] + piece * rng.choice((1, 1, 2, 50)) + data[at:]
    if name == "delete":
        start, end = _span(data, rng)
        return data[:start] + data[end:]
    if name == "repeat":
        start, end = _span(data, rng)
        return data[:end] + data[start:end] * rng.choice((2, 10, 200)) + data[end:]
    if name == "truncate":
        return data[: rng.randrange(len(data) + 1)]
    if name == "endings":
        pairs = ((b"\r\n", b"\n"), (b"\n", b"\r\n"), (b"\r\n", b"\r"), (b"\r\n", b"\r\r\n"))
        old, new = rng.choice(pairs)
        return data.replace(old, new)
    if name == "splice" and others:
        donor = rng.choice(others)
        return data[: rng.randrange(len(data) + 1)] + donor[rng.randrange(len(donor) + 1) :]
    if name == "member":
        return _mutate_member(data, rng, others)
    return data


def _mutate_member(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    """A zip (xlsx, docx, zip) with one member's bytes mutated and re-packed; else a flip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [(info, archive.read(info)) for info in archive.infolist()]
    except Exception:
        return mutate(data, "flip", rng, others)
    if not members:
        return data
    index = rng.randrange(len(members))
    how = rng.choice(("flip", "insert", "delete", "repeat", "truncate"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for position, (info, content) in enumerate(members):
            if position == index:
                content = mutate(content, how, rng, others)
            archive.writestr(info.filename, content)
    return out.getvalue()


def apply(data: bytes, steps: list[tuple[str, int]], others: list[bytes]) -> bytes:
    """`data` after each (mutation, random seed) step in turn."""
    for name, number in steps:
        data = mutate(data, name, random.Random(number), others)
    return data


# --- what must hold -------------------------------------------------------------------------


def _unsafe_name(name: str) -> str | None:
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        return f"control character in attachment name {name!r}"
    if name.startswith("/") or ".." in name.split("/") or not name:
        return f"unsafe attachment name {name!r}"
    return None


def mail_failure(raw: bytes, limits: ReadLimits = FUZZ_READ_LIMITS) -> str | None:
    """Why the mail reader broke a promise on `raw`, or None."""
    reading = read_message(raw, limits)
    guarded = [d for d in reading.defects if d.startswith("the message could not be read (")]
    if guarded:
        return guarded[0]
    if len(reading.attachments) > limits.max_attachments:
        return f"{len(reading.attachments)} attachments over the limit {limits.max_attachments}"
    for attachment in reading.attachments:
        unsafe = _unsafe_name(attachment.name)
        if unsafe:
            return unsafe
        if attachment.size != len(attachment.data):
            return f"size {attachment.size} of {attachment.name!r} is not its byte count"
        if attachment.data and attachment.sha256 != hashlib.sha256(attachment.data).hexdigest():
            return f"SHA-256 of {attachment.name!r} does not fit its bytes"
    envelope = reading.envelope
    if "\r" in envelope.subject or "\n" in envelope.subject:
        return f"subject over two lines: {envelope.subject!r}"
    for address in (envelope.from_, *envelope.reply_to, *envelope.to, *envelope.cc):
        if address is None:
            continue
        for text in (address.addr, address.name):
            if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
                return f"control character in an address: {text!r}"
    return None


def document_failure(name: str, data: bytes) -> tuple[str | None, list[ParsedDocument]]:
    """Why `read_document` broke a promise on (`name`, `data`), or None; and what it read."""
    documents = read_document(name, data, FUZZ_PARSE_LIMITS, NoText())
    if not isinstance(documents, list) or not documents:
        return "read_document returned no documents", []
    for document in documents:
        if not isinstance(document, ParsedDocument):
            return f"read_document returned {type(document).__name__}", documents
    return None, documents


# --- the run --------------------------------------------------------------------------------


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Libraries' own chatter about damaged input (pdfminer, xlrd, olefile) kept off the report."""
    with (
        open(os.devnull, "w") as sink,
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        logging.disable(logging.CRITICAL)
        try:
            yield
        finally:
            logging.disable(logging.NOTSET)


class TookTooLong(Exception):
    """One input ran past the per-input time limit."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise TookTooLong


@dataclass
class Tally:
    """What a run saw."""

    tried: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str, bytes]] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    damaged: Counter[str] = field(default_factory=Counter)

    def timed(self, seconds: float, label: str) -> None:
        self.slowest.append((seconds, label))
        self.slowest.sort(reverse=True)
        del self.slowest[3:]


def _inputs(seeds: list[Seed], rng: random.Random) -> Iterator[tuple[Seed, str, bytes]]:
    donors: dict[str, list[bytes]] = {
        kind: [s.data for s in seeds if s.kind == kind] for kind in ("mail", "document")
    }
    while True:
        seed = rng.choice(seeds)
        steps = [(rng.choice(MUTATIONS), rng.getrandbits(32)) for _ in range(rng.randint(1, 4))]
        label = f"{seed.kind} {seed.name} after {', '.join(f'{n}#{s}' for n, s in steps)}"
        yield seed, label, apply(seed.data, steps, donors[seed.kind])


def _one(seed: Seed, data: bytes, tally: Tally) -> str | None:
    if seed.kind == "mail":
        return mail_failure(data)
    problem, documents = document_failure(Path(seed.name).name, data)
    for document in documents:
        if document.unreadable == "damaged" and document.notes:
            tally.damaged[document.notes[0].split(":", 1)[0]] += 1
    return problem


def run(seconds: float, seed: int, timeout: float, only: str | None) -> Tally:
    """Fuzz for `seconds`; every input is reproducible from `seed` and its printed label."""
    seeds = [s for s in load_seeds() if only is None or s.kind == only]
    if not seeds:
        raise SystemExit("fuzz: no seeds found (samples/ and the imap-tools corpus are missing)")
    rng = random.Random(seed)
    tally = Tally()
    signal.signal(signal.SIGALRM, _alarm)
    deadline = time.monotonic() + seconds
    for item, label, data in _inputs(seeds, rng):
        if time.monotonic() >= deadline:
            break
        tally.tried[item.kind] += 1
        started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            with quiet():
                problem = _one(item, data, tally)
        except TookTooLong:
            problem = f"took longer than {timeout:g} s"
        except Exception:
            problem = "raised " + traceback.format_exc(limit=-3).strip().replace("\n", " | ")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        tally.timed(time.monotonic() - started, label)
        if problem is not None:
            tally.failures.append((label, problem, data))
    return tally


def _report(tally: Tally, seconds: float, save: Path | None) -> None:
    total = sum(tally.tried.values())
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(tally.tried.items()))
    print(f"fuzz: {total} inputs tried in {seconds:g} s ({kinds})")
    print(f"failures: {len(tally.failures)}")
    for index, (label, problem, data) in enumerate(tally.failures[:20], start=1):
        print(f"  {index}. {label}: {problem[:300]}")
        if save is not None:
            save.mkdir(parents=True, exist_ok=True)
            (save / f"failure-{index:03d}.bin").write_bytes(data)
    for seconds_taken, label in tally.slowest[:1]:
        print(f"slowest input: {seconds_taken:.2f} s, {label}")
    if tally.damaged:
        caught = ", ".join(f"{kind} {count}" for kind, count in tally.damaged.most_common(8))
        print(f"documents read as damaged (not failures), by error: {caught}")


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to fuzz")
    parser.add_argument("--seed", type=int, default=1, help="random seed (runs are repeatable)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds allowed per input")
    parser.add_argument("--only", choices=("mail", "document"), help="fuzz one reader only")
    parser.add_argument("--save", type=Path, help="write failing inputs into this folder")
    args = parser.parse_args(argv)
    tally = run(args.seconds, args.seed, args.timeout, args.only)
    _report(tally, args.seconds, args.save)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
