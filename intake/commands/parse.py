"""`intake parse`: read documents offline and print what was read (no store, no key needed)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from intake.commands.arguments import (
    EXIT_FAILED,
    EXIT_OK,
    Subparsers,
    add_engine_option,
    examples,
    usable_settings,
)

if TYPE_CHECKING:
    from parsers.model import ParsedDocument


@dataclass(frozen=True)
class ReadDocument:
    """One document read from a file given on the command line."""

    document: ParsedDocument
    shown_as: str | None = None
    """The file as given (folder included) when it is not in the current folder."""

    def to_json(self) -> dict[str, object]:
        item = self.document.to_json()
        if self.shown_as is not None:
            item["file"] = self.shown_as
        return item

    def text(self) -> str:
        document = self.document
        reason = f" (unreadable: {document.unreadable})" if document.unreadable else ""
        lines = [f"{self.to_json()['file']}: {document.kind.value}{reason}"]
        for key, reading in document.fields.items():
            lines.append(f"  {key}: {reading.value}  [{reading.confidence:.2f}]")
        for index, account in enumerate(document.accounts, start=1):
            lines.append(
                f"  account {index}: " + ", ".join(f"{k}={v.value}" for k, v in account.items())
            )
        return "\n".join(lines)


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `parse` subcommand."""
    parse = sub.add_parser(
        "parse",
        parents=[common],
        help="read documents offline and print what was read",
        description="Read documents (xlsx, docx, pdf, photos and scans, archives) offline and "
        "print the fields read; needs no store and no key.",
        **examples(
            "intake parse form.xlsx id_front.jpg",
            "intake parse --json scan.pdf | jq '.[0].fields'",
        ),
    )
    parse.add_argument("files", nargs="+", metavar="FILE", help="documents to read")
    parse.add_argument("--json", action="store_true", help="print JSON (a list of documents)")
    add_engine_option(parse)
    parse.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Read each file (under the config's `[limits]` when there is a usable config)."""
    from intake.commands.progress import Progress, wanted
    from intake.parsing.engines import lazy_ocr
    from intake.runtime.pipeline import parse_limits_of
    from parsers.isolated import read_isolated
    from parsers.reader import ParseLimits

    settings = usable_settings(args)
    limits = (
        parse_limits_of(settings.limits, settings.ocr) if settings is not None else ParseLimits()
    )
    get_engine = lazy_ocr(args.engine)
    results: list[ReadDocument] = []
    status = EXIT_OK
    with Progress("parse", len(args.files), shown=wanted(args.quiet)) as bar:
        for name in args.files:
            path = Path(name)
            bar.note(path.name)
            try:
                data = path.read_bytes()
            except OSError as exc:
                print(f"intake: {name}: {exc.strerror or exc}", file=sys.stderr)
                status = EXIT_FAILED
                bar.advance()
                continue
            for document in read_isolated(path.name, data, limits, get_engine()):
                shown_as = str(path.parent / document.file) if str(path.parent) != "." else None
                read = ReadDocument(document, shown_as)
                results.append(read)
                if not args.json:
                    print(read.text(), flush=True)
            bar.advance()
    if args.json:
        print(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=1))
    return status
