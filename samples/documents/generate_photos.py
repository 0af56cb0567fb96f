"""Generate the hard photo set with ground truth under samples/documents/photos/.

Run: ``python samples/documents/generate_photos.py --out samples/documents/photos``.

One or more files for each failure seen on real attachments (see `render_photos`): framed and
photographed licences, pre-2015 licences, spread labels on 300 dpi scans, look-alike documents
(truth: kind ``other`` and a ``note`` naming what it is), tiny ID photos, two-page scans,
stamps over the number (dark and red ink), security backgrounds, bilingual labels, and ID cards from 宿州 whose
place names hold the rare characters 埇 and 濉. Beside every file ``X.ext`` it writes
``X.ext.truth.json`` and an ``index.json`` shaped like the main set's, so
``bench/parse_bench.py --samples samples/documents/photos`` reads it. The same seed gives the
same files.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from fake_data import Person, make_id_number, make_registrations
from generate import (
    id_back_truth,
    id_front_truth,
    licence_truth,
    org_cert_truth,
    save_image,
)
from PIL import Image
from render_cards import (
    render_business_licence,
    render_id_back,
    render_id_front,
    render_org_code_certificate,
)
from render_damage import perspective_photo
from render_photos import (
    STAMP_RED,
    facing_pages,
    framed_photo,
    look_alikes,
    render_bilingual_front,
    render_old_licence,
    security_pattern,
    spread_scan,
    stamped_front,
    tiny,
)

DEFAULT_SEED = 20201215

RARE_PLACES = (
    ("341302", ("安徽省宿州市埇桥区", "朱仙庄镇王楼村18号"), "宿州市公安局埇桥分局"),
    ("340621", ("安徽省淮北市濉溪县", "百善镇刘圩村7号"), "濉溪县公安局"),
)


def registration_number(rng: random.Random) -> str:
    """A 15-digit 注册号 with its ISO 7064 MOD 11,10 check digit."""
    body = "130500" + "".join(rng.choice("0123456789") for _ in range(8))
    product = 10
    for ch in body:
        product = (((product + int(ch)) % 10 or 10) * 2) % 11
    return body + str((11 - product) % 10)


def rare_person(person: Person, rng: random.Random, index: int) -> Person:
    """The person moved to a 宿州/淮北 address with its issuer and a matching ID number."""
    region, lines, issuer = RARE_PLACES[index % len(RARE_PLACES)]
    male = person.gender == "男"
    return dataclasses.replace(
        person,
        address="".join(lines),
        address_lines=lines,
        issuer=issuer,
        id_number=make_id_number(rng, region, person.birth, male),
    )


def old_licence_truth(org: object, number: str, file: str) -> dict[str, object]:
    truth = licence_truth(org, file)  # type: ignore[arg-type]
    fields = dict(truth["fields"])  # type: ignore[call-overload]
    del fields["credit_code"]
    fields["registration_number"] = number
    truth["fields"] = fields
    return truth


def generate(out: Path, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    pool = make_registrations(seed, 16)
    people = [r.operator for r in pool]
    orgs = [r.organization for r in pool if r.organization is not None]
    files: list[dict[str, object]] = []

    def add(name: str, img: Image.Image, damage: str, truth: list[dict[str, object]]) -> None:
        save_image(img, out / name)
        (out / f"{name}.truth.json").write_text(
            json.dumps(truth, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        kinds = [str(t["kind"]) for t in truth]
        files.append({"file": name, "format": "image", "damage": damage, "kinds": kinds})

    for i, org in enumerate(orgs[:2], start=1):
        name = f"framed_{i:02d}_licence.jpg"
        img = framed_photo(render_business_licence(org, "邢台市市场监督管理局"), nrng)
        add(name, img, "framed", [licence_truth(org, name)])
    for i, org in enumerate(orgs[2:4], start=1):
        number = registration_number(rng)
        name = f"oldlicence_{i:02d}.jpg"
        img = render_old_licence(org, number, "邢台市工商行政管理局")
        if i == 2:
            img = perspective_photo(img, nrng, 1800)
        add(name, img, "old_licence", [old_licence_truth(org, number, name)])
    for i, org in enumerate(orgs[4:6], start=1):
        name = f"spread_{i:02d}_licence.png"
        add(
            name,
            spread_scan(render_business_licence(org, "邢台市市场监督管理局")),
            "spread",
            [licence_truth(org, name)],
        )
    for i, (kind, (img, note)) in enumerate(look_alikes(people[0]).items(), start=1):
        name = f"lookalike_{i:02d}_{kind}.jpg"
        add(
            name,
            img,
            "lookalike",
            [{"file": name, "kind": "other", "fields": {}, "accounts": [], "note": note}],
        )
    for i, person in enumerate(people[1:3], start=1):
        name = f"tiny_{i:02d}_idfront.jpg"
        add(name, tiny(render_id_front(person)), "tiny", [id_front_truth(person, name)])
    for i, org in enumerate(orgs[6:8], start=1):
        name = f"facing_{i:02d}_orgcode.jpg"
        numbers = [f"{rng.randrange(10**8):08d}  3{rng.randrange(10**5):05d}" for _ in range(6)]
        img = facing_pages(render_org_code_certificate(org), ["说明", *numbers])
        add(name, img, "facing", [org_cert_truth(org, name)])
    for i in range(2):
        person = rare_person(people[3 + i], rng, i)
        name = f"rare_{i + 1:02d}_idfront.png"
        add(name, render_id_front(person), "rare", [id_front_truth(person, name)])
        name = f"rare_{i + 1:02d}_idback.png"
        add(name, render_id_back(person), "rare", [id_back_truth(person, name)])
    for i, person in enumerate(people[5:7], start=1):
        name = f"stamp_{i:02d}_idfront.jpg"
        add(name, stamped_front(person), "stamp", [id_front_truth(person, name)])
    for i, person in enumerate(people[7:9], start=1):
        name = f"security_{i:02d}_idfront.jpg"
        add(
            name,
            security_pattern(render_id_front(person), nrng),
            "security",
            [id_front_truth(person, name)],
        )
    for i, person in enumerate(people[9:11], start=1):
        name = f"bilingual_{i:02d}_idfront.png"
        add(name, render_bilingual_front(person), "bilingual", [id_front_truth(person, name)])
    person = people[11]
    name = "stamp_03_idfront.jpg"  # a red hand stamp over the number
    add(name, stamped_front(person, STAMP_RED), "stamp", [id_front_truth(person, name)])
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "photos")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    files = generate(args.out, args.seed)
    index = {"generator": "generate_photos.py", "seed": args.seed, "files": files}
    (args.out / "index.json").write_text(
        json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"{len(files)} files in {args.out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    raise SystemExit(main())
