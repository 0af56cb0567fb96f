"""Generate the sample documents with ground truth under samples/documents/out/.

Run: ``python samples/documents/generate.py --out samples/documents/out [--small]``.

Writes registration forms (xlsx, xls, docx, doc, text PDF, clean and damaged scans), ID card
sides and A4 copies, business licences, organisation code certificates and multi-page scan
PDFs, all with fake but checksum-valid data and a visible 样本 mark. Beside every file ``X.ext``
it writes ``X.ext.truth.json`` (a list shaped like ``intake parse --json``), and ``index.json``
lists every file with its format and damage. The same seed gives the same documents. The .xls,
.doc and text PDFs need LibreOffice (``soffice``); without it those formats are skipped with a
message.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from fake_data import (
    COUNTY_PLAIN_NAME,
    Organization,
    Person,
    Registration,
    account_truth,
    form_truth_fields,
    make_registrations,
)
from PIL import Image
from render_cards import (
    render_business_licence,
    render_id_back,
    render_id_copy,
    render_id_front,
    render_notice_page,
    render_org_code_certificate,
    round_seal,
)
from render_damage import (
    Damage,
    add_noise,
    blur,
    fax,
    glare,
    jpeg_artefacts,
    perspective_photo,
    rotate_half,
    rotate_quarter,
    shadow,
    skew,
    stamp_seal,
)
from render_fonts import FontMissingError, font
from render_form import (
    FormLook,
    Layout,
    choose_look,
    render_form_image,
    render_table_image,
    write_docx,
    write_xlsx,
)

DEFAULT_SEED = 20200508
POOL_SIZE = 24
FIXED_PDF_TIME = time.strptime("2020-05-08 09:00:00", "%Y-%m-%d %H:%M:%S")
JPEG_QUALITY = 80

Truth = dict[str, object]


@dataclass
class Output:
    """One generated file: what it is and what a perfect reader would report."""

    file: str
    format: str
    damage: Damage
    case: str
    truth: list[Truth]
    layout: str | None = None
    notes: dict[str, object] = field(default_factory=dict)

    def index_entry(self) -> dict[str, object]:
        """The file's line in index.json."""
        entry: dict[str, object] = {
            "file": self.file,
            "format": self.format,
            "damage": self.damage.value,
            "case": self.case,
            "kinds": [t["kind"] for t in self.truth],
        }
        if self.layout:
            entry["layout"] = self.layout
        entry.update(self.notes)
        return entry


def form_truth(reg: Registration, file: str) -> Truth:
    """The ground truth of one registration form."""
    return {
        "file": file,
        "kind": "registration_form",
        "fields": form_truth_fields(reg),
        "accounts": [account_truth(a) for a in reg.accounts],
    }


def id_front_truth(person: Person, file: str) -> Truth:
    """The ground truth of an ID card's portrait side."""
    return {
        "file": file,
        "kind": "id_card_front",
        "fields": {
            "name": person.name,
            "gender": person.gender,
            "ethnicity": person.ethnicity,
            "birth_date": person.birth.isoformat(),
            "address": person.address,
            "id_number": person.id_number,
        },
        "accounts": [],
    }


def id_back_truth(person: Person, file: str) -> Truth:
    """The ground truth of an ID card's emblem side."""
    return {
        "file": file,
        "kind": "id_card_back",
        "fields": {
            "issuer": person.issuer,
            "valid_from": person.valid_from.isoformat(),
            "valid_until": person.valid_until.isoformat(),
        },
        "accounts": [],
    }


def licence_truth(org: Organization, file: str) -> Truth:
    """The ground truth of a business licence."""
    return {
        "file": file,
        "kind": "business_licence",
        "fields": {
            "credit_code": org.credit_code,
            "subject_name": org.name,
            "legal_representative": org.legal_representative,
            "company_type": org.company_type,
            "address": org.address,
            "established_on": org.established.isoformat(),
        },
        "accounts": [],
    }


def org_cert_truth(org: Organization, file: str) -> Truth:
    """The ground truth of an organisation code certificate (code as printed, XXXXXXXX-C)."""
    return {
        "file": file,
        "kind": "org_code_certificate",
        "fields": {
            "credit_code": org.org_code,
            "subject_name": org.name,
            "legal_representative": org.legal_representative,
            "address": org.address,
        },
        "accounts": [],
    }


FIXED_ZIP_TIME = (2020, 5, 8, 9, 0, 0)
FIXED_XML_TIME = "2020-05-08T01:00:00Z"
CORE_TIME = re.compile(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def normalise_office_zip(path: Path) -> None:
    """Rewrite an xlsx/docx with fixed member times and document dates, so reruns are identical."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                text = CORE_TIME.sub(rf"\g<1>{FIXED_XML_TIME}\g<2>", data.decode("utf-8"))
                data = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, data)


def normalise_office_pdf(path: Path) -> None:
    """Give a LibreOffice PDF a fixed creation date and file ID (same lengths, xref intact)."""
    data = path.read_bytes()
    data = re.sub(rb"/CreationDate\(D:\d{14}", b"/CreationDate(D:20200508090000", data)
    digest = hashlib.md5(path.name.encode("utf-8")).hexdigest().upper().encode("ascii")
    head, sep, tail = data.rpartition(b"trailer")
    tail = re.sub(rb"<[0-9A-F]{32}>", b"<" + digest + b">", tail)
    tail = re.sub(rb"/DocChecksum /[0-9A-F]{32}", b"/DocChecksum /" + digest, tail)
    path.write_bytes(head + sep + tail)


def save_image(img: Image.Image, path: Path) -> None:
    """Save as PNG (lossless, optimised) or JPEG (quality 80) by the file's suffix."""
    if path.suffix == ".png":
        img.save(path, "PNG", optimize=True)
    else:
        img.convert("RGB").save(path, "JPEG", quality=JPEG_QUALITY, optimize=True)


def save_scan_pdf(pages: Sequence[Image.Image], path: Path, dpi: int) -> None:
    """An image-only PDF, one JPEG page per image, with fixed metadata."""
    rgb = [p.convert("RGB") for p in pages]
    rgb[0].save(
        path,
        "PDF",
        save_all=True,
        append_images=rgb[1:],
        resolution=float(dpi),
        quality=75,
        title=path.stem,
        creationDate=FIXED_PDF_TIME,
        modDate=FIXED_PDF_TIME,
    )


def greyish(img: Image.Image) -> Image.Image:
    """A scanner's slightly grey, slightly warm paper tone."""
    arr = np.asarray(img.convert("RGB"), dtype=np.float32)
    arr = arr * np.array([0.96, 0.955, 0.94], dtype=np.float32) + 4
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


class Cycle:
    """Hands out the registrations of the pool in turn, and organisations on request."""

    def __init__(self, pool: Sequence[Registration]) -> None:
        self.pool = pool
        self.i = 0

    def next(self) -> Registration:
        """The next registration of the pool."""
        reg = self.pool[self.i % len(self.pool)]
        self.i += 1
        return reg

    def next_matching(self, want_org: bool) -> Registration:
        """The next registration of the wanted subject type."""
        while True:
            reg = self.next()
            if (reg.organization is not None) == want_org:
                return reg


def soffice_path() -> str | None:
    """The LibreOffice binary, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_soffice(sources: list[Path], target: str, out_dir: Path, work: Path) -> None:
    """Convert files in one LibreOffice run (target e.g. ``xls``, ``doc``, ``pdf``)."""
    binary = soffice_path()
    if binary is None or not sources:
        return
    profile = (work / "lo-profile").resolve()
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            *map(str, sources),
        ],
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@dataclass(frozen=True)
class Counts:
    """How many of each thing to make."""

    digital_per_format: int
    clean_scans: int
    per_damage: int
    id_fronts: int
    id_backs: int
    id_copies: int
    licences: int
    org_certs: int
    multipage: int
    handwritten: int


FULL = Counts(6, 6, 3, 6, 6, 3, 4, 2, 2, 4)
SMALL = Counts(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)

SCAN_DAMAGES = (
    Damage.NOISE,
    Damage.BLUR,
    Damage.JPEG,
    Damage.SKEW,
    Damage.PERSPECTIVE,
    Damage.SHADOW,
    Damage.ROT90,
    Damage.ROT180,
    Damage.SEAL,
    Damage.FAX,
)


class Generator:
    """Writes every sample file and its truth into one output folder."""

    def __init__(self, out: Path, counts: Counts, seed: int, use_office: bool) -> None:
        self.out = out
        self.counts = counts
        self.seed = seed
        self.pool = make_registrations(seed, POOL_SIZE)
        self.cycle = Cycle(self.pool)
        self.look_rng = random.Random(seed + 1)
        self.np_rng = np.random.default_rng(seed + 2)
        self.outputs: list[Output] = []
        self.office_refused = not use_office
        self.use_office = use_office and soffice_path() is not None
        self.skipped: list[str] = []

    def look(self, reg: Registration, layout: Layout) -> FormLook:
        """Labels and blank rows for the next rendering; the very first uses canonical labels."""
        canonical = not self.outputs
        return choose_look(self.look_rng, reg, layout, canonical)

    def layouts(self, n: int) -> Iterator[Layout]:
        """Alternate table and line layouts."""
        for i in range(n):
            yield Layout.TABLE if i % 2 == 0 else Layout.LINES

    def add(self, output: Output) -> None:
        """Record an output and write its truth file."""
        self.outputs.append(output)
        truth_path = self.out / f"{output.file}.truth.json"
        truth_path.write_text(
            json.dumps(output.truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )

    # ---- born-digital forms -------------------------------------------------------------

    def digital_forms(self, work: Path) -> None:
        """xlsx and docx directly; xls, doc and text PDFs through LibreOffice."""
        n = self.counts.digital_per_format
        for i, layout in enumerate(self.layouts(n), start=1):
            reg = self.cycle.next()
            name = f"form_{i:02d}_{layout}.xlsx"
            write_xlsx(self.out / name, reg, self.look(reg, layout))
            normalise_office_zip(self.out / name)
            self.add(Output(name, "xlsx", Damage.NONE, reg.case, [form_truth(reg, name)], layout))
        for i, layout in enumerate(self.layouts(n), start=1):
            reg = self.cycle.next()
            name = f"form_{i:02d}_{layout}.docx"
            write_docx(self.out / name, reg, self.look(reg, layout))
            normalise_office_zip(self.out / name)
            self.add(Output(name, "docx", Damage.NONE, reg.case, [form_truth(reg, name)], layout))
        if not self.use_office:
            reason = (
                "--no-office given" if self.office_refused else "LibreOffice `soffice` not found"
            )
            self.skipped.append(f"xls, doc and pdf_text ({reason})")
            return
        conversions = (("xls", "xlsx", "xls"), ("doc", "docx", "doc"), ("pdf", "docx", "pdf_text"))
        for target, source_ext, fmt in conversions:
            staging = work / f"src-{target}"
            staging.mkdir()
            planned: list[tuple[Path, Registration, Layout]] = []
            for i, layout in enumerate(self.layouts(n), start=1):
                reg = self.cycle.next()
                stem = (
                    f"form_{i:02d}_{layout}" if target != "pdf" else f"form_{i:02d}_{layout}_text"
                )
                src = staging / f"{stem}.{source_ext}"
                look = self.look(reg, layout)
                if source_ext == "xlsx":
                    write_xlsx(src, reg, look)
                else:
                    write_docx(src, reg, look)
                normalise_office_zip(src)
                planned.append((src, reg, layout))
            converted = work / f"out-{target}"
            converted.mkdir()
            convert_with_soffice([p for p, _, _ in planned], target, converted, work)
            for src, reg, layout in planned:
                name = f"{src.stem}.{target}"
                produced = converted / name
                if not produced.exists():
                    self.skipped.append(f"{name} (LibreOffice did not convert it)")
                    continue
                shutil.move(str(produced), self.out / name)
                if target == "pdf":
                    normalise_office_pdf(self.out / name)
                self.add(Output(name, fmt, Damage.NONE, reg.case, [form_truth(reg, name)], layout))

    # ---- scanned forms -----------------------------------------------------------------

    def clean_scans(self) -> None:
        """Clean 200 dpi scans, alternately PNG and JPEG."""
        for i, layout in enumerate(self.layouts(self.counts.clean_scans), start=1):
            reg = self.cycle.next()
            page = render_form_image(reg, self.look(reg, layout)).image
            ext = "png" if i % 2 == 1 else "jpg"
            name = f"scan_{i:02d}_{layout}_clean.{ext}"
            save_image(greyish(page) if ext == "jpg" else page.convert("L"), self.out / name)
            self.add(Output(name, "image", Damage.CLEAN, reg.case, [form_truth(reg, name)], layout))

    def damaged_scans(self) -> None:
        """Each damage kind on a few forms of both layouts."""
        for damage in SCAN_DAMAGES:
            for i, layout in enumerate(self.layouts(self.counts.per_damage), start=1):
                reg = (
                    self.cycle.next_matching(want_org=True)
                    if damage is Damage.SEAL and i % 2 == 1
                    else self.cycle.next()
                )
                rendered = render_form_image(reg, self.look(reg, layout))
                page = greyish(rendered.image)
                notes: dict[str, object] = {}
                ext = "jpg"
                rng = self.np_rng
                if damage is Damage.NOISE:
                    img = add_noise(page, rng)
                elif damage is Damage.BLUR:
                    img = blur(page, rng)
                elif damage is Damage.JPEG:
                    img = jpeg_artefacts(page, rng)
                elif damage is Damage.SKEW:
                    img, angle = skew(page, rng)
                    notes["skew_degrees"] = round(angle, 2)
                elif damage is Damage.PERSPECTIVE:
                    img = perspective_photo(page, rng, out_long_side=2000)
                elif damage is Damage.SHADOW:
                    img = shadow(page, rng)
                elif damage is Damage.ROT90:
                    clockwise = i % 2 == 1
                    img = rotate_quarter(page, clockwise)
                    notes["rotated_clockwise_degrees"] = 90 if clockwise else 270
                elif damage is Damage.ROT180:
                    img = rotate_half(page)
                    notes["rotated_clockwise_degrees"] = 180
                elif damage is Damage.SEAL:
                    target = (
                        "credit_code" if "credit_code" in rendered.value_boxes else "subject_name"
                    )
                    ring = reg.subject_name if reg.organization else "邢台市新媒体账号备案专用章"
                    seal = round_seal(330, ring[:16])
                    img = stamp_seal(page, seal, rendered.value_boxes[target], rng)
                    notes["seal_over"] = target
                else:
                    img = fax(rendered.image, rng)
                    ext = "png"
                if damage is Damage.JPEG:
                    name = f"scan_{damage}_{i:02d}_{layout}.jpg"
                    img.convert("RGB").save(self.out / name, "JPEG", quality=15)
                else:
                    name = f"scan_{damage}_{i:02d}_{layout}.{ext}"
                    save_image(img, self.out / name)
                self.add(
                    Output(name, "image", damage, reg.case, [form_truth(reg, name)], layout, notes)
                )

    # ---- identity documents ------------------------------------------------------------

    def people(self) -> Iterator[tuple[Registration, Person]]:
        """Operators (individuals) and operations managers (organisations), in pool order."""
        while True:
            for reg in self.pool:
                yield reg, reg.operator

    def id_cards(self) -> None:
        """Card-size fronts and backs: clean, photographed at an angle, with glare."""
        variants = (Damage.CLEAN, Damage.PERSPECTIVE, Damage.GLARE)
        people = self.people()
        for side, count in (("front", self.counts.id_fronts), ("back", self.counts.id_backs)):
            for i in range(1, count + 1):
                reg, person = next(people)
                card = render_id_front(person) if side == "front" else render_id_back(person)
                damage = variants[(i - 1) % 3]
                if count == 1:  # --small: a clean front and a glare back
                    damage = Damage.CLEAN if side == "front" else Damage.GLARE
                if damage is Damage.PERSPECTIVE:
                    img = perspective_photo(card, self.np_rng, out_long_side=1280, margin=0.12)
                elif damage is Damage.GLARE:
                    img = glare(card, self.np_rng)
                else:
                    img = card
                ext = "png" if damage is Damage.CLEAN and i % 2 == 1 else "jpg"
                name = f"idcard_{side}_{i:02d}_{damage}.{ext}"
                save_image(img, self.out / name)
                truth = (
                    id_front_truth(person, name) if side == "front" else id_back_truth(person, name)
                )
                self.add(Output(name, "image", damage, reg.case, [truth]))

    def id_copies(self) -> None:
        """A4 copies with both sides on one page."""
        people = self.people()
        for _ in range(3):  # different people from the card images
            next(people)
        for i in range(1, self.counts.id_copies + 1):
            reg, person = next(people)
            name = f"idcopy_{i:02d}_clean.jpg"
            save_image(render_id_copy(person), self.out / name)
            truth = [id_front_truth(person, name), id_back_truth(person, name)]
            self.add(Output(name, "image", Damage.CLEAN, reg.case, truth))

    # ---- organisation documents --------------------------------------------------------

    def companies(self, old_code: bool) -> list[Registration]:
        """Organisations in the pool that have a licence (companies) or an old code."""
        out = []
        for reg in self.pool:
            org = reg.organization
            if org is None:
                continue
            if (old_code and org.uses_old_code) or (
                not old_code and not org.uses_old_code and org.company_type != "事业单位"
            ):
                out.append(reg)
        return out

    def registrar(self, reg: Registration) -> str:
        """The market regulation bureau that issued a company's licence."""
        plain = COUNTY_PLAIN_NAME[reg.county.normal]
        if reg.county.normal in ("130502", "130503", "130571"):
            return "邢台市市场监督管理局"
        return f"{plain}市场监督管理局"

    def licences(self) -> None:
        """Business licences as images (clean, photographed) and as a scan PDF."""
        companies = self.companies(old_code=False)
        for i in range(1, self.counts.licences + 1):
            reg = companies[(i - 1) % len(companies)]
            org = reg.organization
            assert org is not None
            img = render_business_licence(org, self.registrar(reg))
            if i == 4 or (self.counts.licences == 1):
                name = f"licence_{i:02d}_scan.pdf"
                save_scan_pdf([greyish(img)], self.out / name, 150)
                self.add(
                    Output(
                        name,
                        "pdf_scan",
                        Damage.CLEAN,
                        reg.case,
                        [licence_truth(org, name)],
                    )
                )
                continue
            damage = Damage.PERSPECTIVE if i == 3 else Damage.CLEAN
            if damage is Damage.PERSPECTIVE:
                img = perspective_photo(img, self.np_rng, out_long_side=2000)
            name = f"licence_{i:02d}_{damage}.jpg"
            save_image(img, self.out / name)
            self.add(Output(name, "image", damage, reg.case, [licence_truth(org, name)]))

    def org_certs(self) -> None:
        """Older organisation code certificates: an image and a scan PDF."""
        olds = self.companies(old_code=True)
        for i in range(1, self.counts.org_certs + 1):
            reg = olds[(i - 1) % len(olds)]
            org = reg.organization
            assert org is not None
            img = render_org_code_certificate(org)
            if i == 2:
                name = f"orgcode_{i:02d}_scan.pdf"
                save_scan_pdf([greyish(img)], self.out / name, 150)
                self.add(
                    Output(
                        name,
                        "pdf_scan",
                        Damage.CLEAN,
                        reg.case,
                        [org_cert_truth(org, name)],
                    )
                )
            else:
                name = f"orgcode_{i:02d}_clean.jpg"
                save_image(img, self.out / name)
                self.add(Output(name, "image", Damage.CLEAN, reg.case, [org_cert_truth(org, name)]))

    # ---- multi-page scans ----------------------------------------------------------------

    def multipage(self) -> None:
        """Scan PDFs: the form, the ID copy, and for a company its licence."""
        for i in range(1, self.counts.multipage + 1):
            individuals = [r for r in self.pool if r.organization is None]
            companies = self.companies(old_code=False)
            reg = (
                companies[(i // 2 - 1) % len(companies)]
                if i % 2 == 0
                else individuals[(i // 2 + 5) % len(individuals)]
            )
            name = f"filing_{i:02d}_scan.pdf"
            layout = Layout.TABLE if i % 2 == 1 else Layout.LINES
            form = add_noise(
                greyish(render_form_image(reg, self.look(reg, layout), dpi=150).image),
                np.random.default_rng(self.seed + 100 + i),
            )
            pages = [form, greyish(render_id_copy(reg.operator, dpi=150))]
            truth = [
                form_truth(reg, f"{name}#page=1"),
                id_front_truth(reg.operator, f"{name}#page=2"),
                id_back_truth(reg.operator, f"{name}#page=2"),
            ]
            org = reg.organization
            if org is not None:
                licence = render_business_licence(org, self.registrar(reg)).resize((1240, 877))
                pages.append(greyish(licence))
                truth.append(licence_truth(org, f"{name}#page=3"))
            save_scan_pdf(pages, self.out / name, 150)
            self.add(
                Output(
                    name,
                    "pdf_scan",
                    Damage.CLEAN,
                    reg.case,
                    truth,
                    layout.value,
                    {"pages": len(pages)},
                )
            )

    def other_documents(self) -> None:
        """A page that is not a filing document (a printed notice), for the `other` kind."""
        name = "other_01_notice.png"
        save_image(render_notice_page(), self.out / name)
        self.add(
            Output(
                name,
                "image",
                Damage.CLEAN,
                "none",
                [{"file": name, "kind": "other", "fields": {}, "accounts": []}],
            )
        )

    def handwritten_scans(self) -> None:
        """Printed table forms filled in by hand (a script face with a hand's unevenness),
        scanned. Made last, with their own random source, so the other samples stay as they
        were."""
        hand = random.Random(self.seed + 7)
        for i in range(1, self.counts.handwritten + 1):
            reg = self.cycle.next()
            look = self.look(reg, Layout.TABLE)
            page = render_table_image(reg, look, hand=hand).image
            name = f"scan_handwritten_{i:02d}_table.jpg"
            save_image(greyish(page), self.out / name)
            self.add(
                Output(
                    name, "image", Damage.HANDWRITTEN, reg.case, [form_truth(reg, name)], "table"
                )
            )

    def run(self) -> None:
        """Generate everything and write index.json."""
        with tempfile.TemporaryDirectory(prefix="sample-docs-") as tmp:
            self.digital_forms(Path(tmp))
        self.clean_scans()
        self.damaged_scans()
        self.id_cards()
        self.id_copies()
        self.licences()
        self.org_certs()
        self.multipage()
        self.other_documents()
        self.handwritten_scans()
        index = {
            "generator": "samples/documents/generate.py",
            "seed": self.seed,
            "mode": "small" if self.counts == SMALL else "full",
            "skipped": self.skipped,
            "files": [o.index_entry() for o in self.outputs],
        }
        (self.out / "index.json").write_text(
            json.dumps(index, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--small", action="store_true", help="one file of each kind")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--no-office",
        action="store_true",
        help="skip the LibreOffice conversions (xls, doc, text PDF)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: regenerate the output folder from scratch."""
    args = parse_args(argv)
    try:
        font(20)
    except FontMissingError as exc:
        print(f"generate.py: {exc}", file=sys.stderr)
        return 2
    out: Path = args.out
    if out.exists():
        for old in out.iterdir():
            if old.is_file():
                old.unlink()
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    generator = Generator(out, SMALL if args.small else FULL, args.seed, not args.no_office)
    generator.run()
    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    print(
        f"wrote {len(generator.outputs)} documents to {out} "
        f"({total / 1e6:.1f} MB, {time.monotonic() - started:.0f} s)"
    )
    for note in generator.skipped:
        print(f"skipped: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
