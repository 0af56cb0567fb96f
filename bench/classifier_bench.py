"""How often the mail classifier would answer mail it must not answer, and how often it answers
the mail it must: over the labelled corpus of `samples/mail_corpus/generate.py`.

Each mail goes through the real mail reader (`intake.reading.read_message`) and the real
document readers (`parsers.reader.read_document`, without OCR: an image is evidence only by its
size and type), then `routing.mail_classifier.classify`, with no sender history (every sender is
new). A mail classified ``filing`` or ``question`` gets an automatic reply; ``uncertain`` waits
for a person; ``ignored`` gets nothing.

Prints, per label, how many mails fell into each nature, then:

* false-reply rate on ordinary mail and on spam (filing or question: targets ≤ 0.1%),
* recall on filings (classified filing) and on questions (classified question),
* with ``--show N``, up to N wrong answers per label with their signals.

    .venv/bin/python bench/classifier_bench.py [--ordinary 2000] [--spam 2000] [--show 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intake.reading import read_message
from parsers.reader import ParseLimits, read_document
from routing.mail_classifier import (
    AttachmentEvidence,
    Classification,
    MailEvidence,
    classify,
    is_decoration,
)
from routing.not_a_filing import MailKind
from samples.mail_corpus.generate import OFFICE_MAILBOXES, corpus

REPLIED = (MailKind.FILING, MailKind.QUESTION)
LIMITS = ParseLimits(seconds_per_document=10.0, ocr_in_process=True)


def evidence(raw: bytes) -> MailEvidence:
    """What the decide step would know of a mail seen for the first time."""
    reading = read_message(raw)
    envelope = reading.envelope
    attachments = []
    for attachment in reading.attachments:
        bare = AttachmentEvidence(
            attachment.name, attachment.sniffed_type, attachment.size, attachment.problem
        )
        kinds: tuple[str, ...] = ()
        if not is_decoration(bare) and not attachment.sniffed_type.startswith("image/"):
            documents = read_document(attachment.name, attachment.data, LIMITS, None)
            kinds = tuple(d.kind.value for d in documents if d.unreadable is None)
        attachments.append(
            AttachmentEvidence(
                attachment.name,
                attachment.sniffed_type,
                attachment.size,
                attachment.problem,
                kinds,
                attachment.origin.value == "inline",
            )
        )
    recipients = [a.addr for a in (*envelope.to, *envelope.cc)] + list(envelope.delivered_to)
    return MailEvidence(
        sender=envelope.from_.addr if envelope.from_ else "",
        subject=envelope.subject,
        body_text=reading.text,
        attachments=tuple(attachments),
        large_link_count=len(reading.large_links),
        auto_reply_marker=envelope.auto_reply is not None,
        is_bounce=envelope.is_bounce,
        header_signs=envelope.header_signs,
        recipients=tuple(r.lower() for r in recipients),
        office_mailboxes=OFFICE_MAILBOXES,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--ordinary", type=int, default=2000)
    parser.add_argument("--spam", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=240)
    parser.add_argument("--filings", type=int, default=120)
    parser.add_argument("--show", type=int, default=0, help="wrong answers to show per label")
    parser.add_argument("--uncertain", action="store_true", help="show uncertain ones too")
    args = parser.parse_args()
    started = time.perf_counter()
    mails = corpus(args.seed, args.ordinary, args.spam, args.questions, args.filings)
    made = time.perf_counter() - started
    natures: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: dict[str, list[tuple[str, Classification]]] = defaultdict(list)
    started = time.perf_counter()
    for mail in mails:
        result = classify(evidence(mail.raw))
        natures[mail.label][result.kind.value] += 1
        expected = {"filing": MailKind.FILING, "question": MailKind.QUESTION}.get(mail.label)
        bad = result.kind is not expected if expected else result.kind in REPLIED
        if bad or (args.uncertain and result.kind is MailKind.UNCERTAIN):
            wrong[mail.label].append((mail.trap, result))
    took = time.perf_counter() - started
    print(
        f"{len(mails)} mails (made in {made:.1f} s, classified in {took:.1f} s, "
        f"{1000 * took / max(1, len(mails)):.1f} ms each)"
    )
    for label in ("ordinary", "spam", "question", "filing"):
        counts = natures[label]
        total = sum(counts.values())
        shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        print(f"  {label:9} {total:5}: {shown}")
    for label in ("ordinary", "spam"):
        total = sum(natures[label].values())
        replied = sum(natures[label][k.value] for k in REPLIED)
        rate = 100 * replied / max(1, total)
        print(f"false replies on {label}: {replied}/{total} = {rate:.2f}% (target ≤ 0.1%)")
    for label, kind in (("filing", "filing"), ("question", "question")):
        total = sum(natures[label].values())
        got = natures[label][kind]
        print(f"recall on {label}s: {got}/{total} = {100 * got / max(1, total):.1f}%")
    if args.show:
        for label, items in wrong.items():
            traps = Counter(trap for trap, _ in items)
            print(f"\nwrong on {label} ({dict(traps)}):")
            for trap, result in items[: args.show]:
                print(f"  [{trap}] {result.kind.value}: {', '.join(result.signals)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
