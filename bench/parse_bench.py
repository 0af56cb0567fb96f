"""Document reading accuracy, speed and memory on the sample documents, engine beside engine.

For every file of `samples/documents/out/index.json`, read it with `parsers.read_document` and
compare with its `.truth.json`: kind accuracy, field exact-match rate (operator fields and
account fields), ID-number exact rate, and whether any wrong ID number or credit code still
passes its checksum. Grouped by format and damage, per engine (`rapidocr`, `tesseract`), each
engine in its own process so its peak memory is its own. Time per page is given twice: wall
time, and CPU time of the reading process and its OCR worker process together (the figure that
holds when other work shares the machine), on one core (OMP_THREAD_LIMIT=1). Peak memory is the
larger of the reading process's and the OCR worker's peak resident size (VmHWM).

    .venv/bin/python bench/parse_bench.py                 # both engines, every sample
    .venv/bin/python bench/parse_bench.py --engines rapidocr --only image
    .venv/bin/python bench/parse_bench.py --samples samples/documents/photos   # the hard photos
    .venv/bin/python bench/parse_bench.py --engines rapidocr-before,rapidocr   # before/after

Also printed: a calibration table (values read right and wrong by confidence band, and how many
of each fall below the review threshold, 0.85 unless `--review` says otherwise), and, for a set
whose truth names look-alike documents (`note`), how many were reported as `other` with a note
that names them.

`rapidocr` is RapidOCR as deployed (its lean detection and recognition, `parsers.ocr`);
`rapidocr-before` is the same engine without the lean path, as it read before. The stock
engine's figures beside ours are `bench/ocr_bench.py`'s.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SAMPLES = REPO / "samples" / "documents" / "out"
NUMBER_KEYS = ("id_number", "manager_id_number", "credit_code")


def id_valid(value: str) -> bool:
    from routing import check_credit_code, check_id_number

    if len(value) == 18 and value[:17].isdigit():
        return check_id_number(value).valid
    return check_credit_code(value).valid


def _descendants(pid: int) -> list[int]:
    """Live descendant process ids of `pid` (from /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children[int(fields[1])].append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_cpu_seconds() -> float:
    """CPU seconds used so far by this process, its live descendants (the OCR worker), and the
    children they have reaped (tesseract runs)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [os.getpid(), *_descendants(os.getpid())]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / ticks


def tree_peak_mb() -> float:
    """The largest peak resident size (VmHWM) of this process and its live descendants."""
    peak = 0
    for pid in [os.getpid(), *_descendants(os.getpid())]:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


def score_file(entry: dict[str, object], engine_name: str, engine: object) -> dict[str, object]:
    from parsers.reader import ParseLimits, read_document

    name = str(entry["file"])
    samples = Path(os.environ.get("PARSE_BENCH_SAMPLES", str(SAMPLES)))
    truth = json.loads((samples / f"{name}.truth.json").read_text(encoding="utf-8"))
    started, cpu_started = time.perf_counter(), tree_cpu_seconds()
    limits = ParseLimits(seconds_per_document=float(os.environ.get("PARSE_BENCH_SECONDS", "60")))
    documents = read_document(name, (samples / name).read_bytes(), limits, ocr=engine)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    cpu_seconds = tree_cpu_seconds() - cpu_started
    got = [d.to_json() for d in documents]
    pages = max(1, len({str(t["file"]) for t in truth}))
    result: dict[str, int | float | str] = {
        "file": name,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "pages": pages,
        "kinds_ok": 0,
        "kinds": 0,
        "fields_ok": 0,
        "fields": 0,
        "ids_ok": 0,
        "ids": 0,
        "wrong_valid_numbers": 0,
        "notes_ok": 0,
        "notes": 0,
    }
    used: set[int] = set()
    for want in truth:
        if want.get("note"):
            result["notes"] = int(result["notes"]) + 1
            named = any(
                g["kind"] == "other" and any(want["note"] in n for n in g.get("notes", []))
                for g in got
            )
            result["notes_ok"] = int(result["notes_ok"]) + int(named)
        result["kinds"] = int(result["kinds"]) + 1
        match = next(
            (
                i
                for i, g in enumerate(got)
                if i not in used and g["file"] == want["file"] and g["kind"] == want["kind"]
            ),
            None,
        )
        if match is None:
            result["fields"] = (
                int(result["fields"])
                + len(want["fields"])
                + sum(len(a) for a in want.get("accounts", []))
            )
            result["ids"] = int(result["ids"]) + sum(1 for k in NUMBER_KEYS if k in want["fields"])
            continue
        used.add(match)
        result["kinds_ok"] = int(result["kinds_ok"]) + 1
        fields = dict(got[match]["fields"])  # type: ignore[call-overload]
        pairs = list(want["fields"].items())
        accounts = list(got[match].get("accounts") or [])  # type: ignore[call-overload]
        for index, account in enumerate(want.get("accounts", [])):
            have = accounts[index] if index < len(accounts) else {}
            pairs += [(f"account{index}.{k}", v) for k, v in account.items()]
            fields.update({f"account{index}.{k}": v for k, v in have.items()})
        confidence = dict(got[match].get("confidence") or {})  # type: ignore[call-overload]
        for key, value in pairs:
            result["fields"] = int(result["fields"]) + 1
            ok = fields.get(key) == value
            if key in fields and key in confidence:
                bucket = "right_confidences" if ok else "wrong_confidences"
                result.setdefault(bucket, [])
                result[bucket].append(round(float(confidence[key]), 3))  # type: ignore[union-attr]
            result["fields_ok"] = int(result["fields_ok"]) + int(ok)
            if key in NUMBER_KEYS:
                result["ids"] = int(result["ids"]) + 1
                result["ids_ok"] = int(result["ids_ok"]) + int(ok)
                read = fields.get(key)
                if read and not ok and id_valid(str(read).replace("-", "")):
                    result["wrong_valid_numbers"] = int(result["wrong_valid_numbers"]) + 1
    return result


def warm_up(engine: object) -> None:
    """Start the OCR worker and load the engine's models before anything is timed."""
    import io

    from PIL import Image, ImageDraw

    from parsers.reader import read_document

    page = Image.new("RGB", (400, 120), "white")
    ImageDraw.Draw(page).rectangle((40, 40, 360, 80), fill="black")
    data = io.BytesIO()
    page.save(data, "PNG")
    read_document("warm-up.png", data.getvalue(), ocr=engine)  # type: ignore[arg-type]


def bench_engine(name: str) -> object:
    """The engine a bench name stands for (`rapidocr-before`: ours without the lean path)."""
    from parsers.ocr import RapidOcrEngine, make_engine

    if name == "rapidocr-before":
        return RapidOcrEngine(lean=False)
    if name.startswith("rapidocr-side"):  # e.g. rapidocr-side960: every page detected at 960 px
        side = int(name.removeprefix("rapidocr-side"))
        return RapidOcrEngine(lean_side=side, a4_side=side)
    if name.startswith("rapidocr-a4side"):  # e.g. rapidocr-a4side1280: A4 pages as before
        return RapidOcrEngine(a4_side=int(name.removeprefix("rapidocr-a4side")))
    return make_engine(name)


def worker(engine_name: str, only: str | None) -> None:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    engine = bench_engine(engine_name)
    warm_up(engine)
    samples = Path(os.environ.get("PARSE_BENCH_SAMPLES", str(SAMPLES)))
    index = json.loads((samples / "index.json").read_text(encoding="utf-8"))["files"]
    rows = []
    peak = 0.0
    for entry in index:
        if only and entry["format"] != only and entry.get("damage") != only:
            continue
        row = score_file(entry, engine_name, engine)
        row["format"], row["damage"] = entry["format"], entry.get("damage", "none")
        rows.append(row)
        peak = max(peak, tree_peak_mb())
    peak = max(peak, tree_peak_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps({"rows": rows, "peak_mb": peak}))


def _pct(values: dict[str, float], part: str, whole: str) -> str:
    return f"{100 * values[part] / values[whole]:5.1f}%" if values[whole] else "   -  "


BANDS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 1.01)


def calibration(results: dict[str, dict[str, object]], review: float) -> str:
    """Values read right and wrong by confidence band, per engine, and the share of each that
    falls below the review threshold."""
    lines = [f"calibration (review threshold {review:.2f}): values read, right / wrong by band"]
    for engine, data in results.items():
        right = [c for r in data["rows"] for c in r.get("right_confidences", [])]  # type: ignore[attr-defined]
        wrong = [c for r in data["rows"] for c in r.get("wrong_confidences", [])]  # type: ignore[attr-defined]
        cells = []
        for low, high in itertools.pairwise(BANDS):
            r = sum(low <= c < high for c in right)
            w = sum(low <= c < high for c in wrong)
            cells.append(f"{low:.2f}-{min(high, 1.0):.2f}: {r}/{w}")
        lines.append(f"  {engine}: " + "  ".join(cells))
        below_wrong = sum(c < review for c in wrong)
        below_right = sum(c < review for c in right)
        lines.append(
            f"  {engine}: wrong values below review {below_wrong}/{len(wrong)}"
            f" ({100 * below_wrong / max(len(wrong), 1):.1f}%), right values below review"
            f" {below_right}/{len(right)} ({100 * below_right / max(len(right), 1):.1f}%)"
        )
        notes = sum(int(r.get("notes", 0)) for r in data["rows"])  # type: ignore[attr-defined]
        if notes:
            named = sum(int(r.get("notes_ok", 0)) for r in data["rows"])  # type: ignore[attr-defined]
            lines.append(f"  {engine}: look-alike documents named in a note: {named}/{notes}")
    return "\n".join(lines)


def table(results: dict[str, dict[str, object]]) -> str:
    groups: dict[tuple[str, str], dict[str, dict[str, float]]] = defaultdict(dict)
    for engine, data in results.items():
        sums: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for row in data["rows"]:  # type: ignore[attr-defined]
            key = (row["format"], row["damage"])
            for name in (
                "seconds",
                "cpu_seconds",
                "pages",
                "kinds_ok",
                "kinds",
                "fields_ok",
                "fields",
                "ids_ok",
                "ids",
                "wrong_valid_numbers",
            ):
                sums[key][name] += float(row[name])
            sums[("ALL", "")][name] = 0  # keep the key order stable below
        total: dict[str, float] = defaultdict(float)
        for key, values in sums.items():
            if key == ("ALL", ""):
                continue
            groups[key][engine] = values
            for name, value in values.items():
                total[name] += value
        groups[("ALL", "")][engine] = total
    engines = list(results)
    head = f"{'format':<9} {'damage':<12}" + "".join(
        f" | {e[:9]:>9} kind  fields  IDs   s/page cpu/page" for e in engines
    )
    lines = [head, "-" * len(head)]
    for key in sorted(groups, key=lambda k: (k[0] == "ALL", k)):
        cells = f"{key[0]:<9} {key[1]:<12}"
        for engine in engines:
            v = groups[key].get(engine)
            if not v:
                cells += " | " + " " * 47
                continue
            cells += f" | {'':>9} {_pct(v, 'kinds_ok', 'kinds')} {_pct(v, 'fields_ok', 'fields')} {_pct(v, 'ids_ok', 'ids')} {v['seconds'] / max(v['pages'], 1):6.2f} {v['cpu_seconds'] / max(v['pages'], 1):8.2f}"
        lines.append(cells)
    lines.append("")
    for engine, data in results.items():
        wrong = sum(int(r["wrong_valid_numbers"]) for r in data["rows"])  # type: ignore[attr-defined]
        lines.append(
            f"{engine}: peak memory {data['peak_mb']:.0f} MB; wrong numbers that pass their checksum: {wrong}"
        )
        right_c = [c for r in data["rows"] for c in r.get("right_confidences", [])]  # type: ignore[attr-defined]
        wrong_c = [c for r in data["rows"] for c in r.get("wrong_confidences", [])]  # type: ignore[attr-defined]
        if right_c and wrong_c:
            lines.append(
                f"{engine}: confidence of values read right: median {statistics.median(right_c):.2f}"
                f" ({len(right_c)}); read wrong: median {statistics.median(wrong_c):.2f}"
                f" ({len(wrong_c)}), below 0.8: {sum(c < 0.8 for c in wrong_c)}"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engines", default="rapidocr,tesseract")
    parser.add_argument(
        "--only", help="one format (xlsx, image, pdf_scan …) or damage (rot90, perspective …)"
    )
    parser.add_argument("--worker")
    parser.add_argument("--json", type=Path, help="also write the raw rows here")
    parser.add_argument("--samples", type=Path, help="a sample folder with index.json")
    parser.add_argument("--review", type=float, default=0.85, help="review threshold")
    parser.add_argument(
        "--seconds",
        type=float,
        help="time limit per document (the reader's 60 s unless given): raise it on a loaded"
        " shared machine, where a timeout says nothing about the reading",
    )
    args = parser.parse_args()
    if args.samples:
        os.environ["PARSE_BENCH_SAMPLES"] = str(args.samples.resolve())
    if args.seconds:
        os.environ["PARSE_BENCH_SECONDS"] = str(args.seconds)
    if args.worker:
        worker(args.worker, args.only)
        return 0
    results = {}
    for engine in args.engines.split(","):
        command = [sys.executable, __file__, "--worker", engine] + (
            ["--only", args.only] if args.only else []
        )
        out = subprocess.run(
            command, capture_output=True, text=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"}
        )
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            return 1
        results[engine] = json.loads(out.stdout.strip().splitlines()[-1])
    print(table(results))
    print(calibration(results, args.review))
    print("s/page: wall time; cpu/page: CPU time of the reading process and its OCR worker")
    print("peak memory: the larger peak resident size of the reading process and its OCR worker")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
