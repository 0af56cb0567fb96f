"""OCR cost, stock RapidOCR beside ours, and reading throughput with 1 and 2 reader processes.

Part 1, engines side by side on the same pages (sample A4 forms, ID-card photos, a business
licence; each page prepared once by `parsers.preprocess.prepare`, which is not timed): each
engine runs in a process of its own, so its peak memory (VmHWM) is its own, and is warmed on one
page first. Engines: `stock` is RapidOCR 3 exactly as its package sets it up (`RapidOCR()`,
called on the page: detection at full resolution, line classifier, recognition, onnxruntime's
own thread count); `before` is our engine as it was (detector capped at 1280 px, one thread);
`ours` is our engine as deployed (lean: detection on the inked part at the same scale as before,
recognition batches padded to their widest line; one thread); `ours-a4side960` (any number) is
ours with A4-proportioned pages detected at that size (`RapidOcrEngine.a4_side`). Printed per
kind of page: CPU seconds per page (the process's, every thread), wall seconds, and ours/stock;
then peak memory.

Part 2, the reader pool (`parsers.isolated.read_all`, the parse step's way of reading a mail's
attachments) on the same files with 1 and then 2 reader processes: pages per minute, CPU
seconds per page, and each reader process's peak memory. Other work on the machine slows the
wall-clock figures: compare the CPU figures, and repeat on a quiet machine.

    .venv/bin/python bench/ocr_bench.py
    .venv/bin/python bench/ocr_bench.py --part 2 --copies 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
SAMPLES = REPO / "samples" / "documents" / "out"
FORMS = [
    "scan_01_table_clean.png",
    "scan_02_lines_clean.jpg",
    "scan_03_table_clean.png",
    "scan_04_lines_clean.jpg",
    "scan_05_table_clean.png",
    "scan_06_lines_clean.jpg",
]
CARDS = [
    "idcard_front_01_clean.png",
    "idcard_back_01_clean.png",
    "idcard_front_04_clean.jpg",
    "idcard_back_04_clean.jpg",
]
LICENCES = ["licence_01_clean.jpg", "licence_02_clean.jpg"]
KINDS = {"A4 form": FORMS, "ID card": CARDS, "licence": LICENCES}


def peak_mb(pid: int | str = "self") -> float:
    """The peak resident size (VmHWM) of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _stock() -> object:
    from rapidocr import RapidOCR

    engine = RapidOCR(params={"Global.log_level": "critical"})

    def read(image: object) -> int:
        result = engine(image)
        return len(result.txts or ())

    return read


def _ours(lean: bool, a4_side: int | None = None) -> object:
    from parsers.ocr import RapidOcrEngine

    engine = RapidOcrEngine(lean=lean) if a4_side is None else RapidOcrEngine(a4_side=a4_side)

    def read(image: object) -> int:
        return len(engine.read_page(image))  # type: ignore[arg-type]

    return read


def engine_worker(name: str) -> None:
    """Read every page with one engine; print per-page CPU and wall seconds and peak memory."""
    from parsers.preprocess import image_frames, prepare

    if name == "ours-glibc-plain":  # glibc's malloc as it comes: no mmap threshold fixed
        from parsers import ocr

        ocr._MALLOC_TUNED.append(True)
    if "nopurge" in name:  # jemalloc left to hand pages back by its own decay
        from parsers import ocr

        ocr.release_memory = lambda: None
    # e.g. ours-a4side1280: A4 pages detected at 1280 px, as before `RapidOcrEngine.a4_side`
    a4_side = int(name.rsplit("-a4side", 1)[1]) if "-a4side" in name else None
    read = _stock() if name == "stock" else _ours(name.startswith("ours"), a4_side)
    pages = {
        kind: [
            prepare(image_frames((SAMPLES / file).read_bytes(), 60_000_000, 1)[0]) for file in files
        ]
        for kind, files in KINDS.items()
    }
    start_mb = peak_mb()
    read(pages["ID card"][0])  # type: ignore[operator]  # models loaded, warmed
    rows: dict[str, dict[str, float]] = {}
    for kind, images in pages.items():
        cpu = wall = system = 0.0
        lines = 0
        for image in images:
            started, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
            lines += read(image)  # type: ignore[operator]
            wall += time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu += after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime
            system += after.ru_stime - usage.ru_stime
        count = len(images)
        rows[kind] = {
            "cpu": cpu / count,
            "sys": system / count,
            "wall": wall / count,
            "lines": lines,
        }
    print(json.dumps({"rows": rows, "peak_mb": peak_mb(), "before_models_mb": start_mb}))


ENGINES = ("stock", "before", "ours-glibc", "ours-glibc-plain", "ours")
"""Part 1's engines: `ours-glibc` is ours with glibc's malloc and its mmap threshold fixed,
`ours-glibc-plain` without that fix, `ours` with jemalloc preloaded as the reader runs it."""


def part1(engines: tuple[str, ...] = ENGINES) -> None:
    from parsers.allocator import Allocator, reader_environment

    results = {}
    for name in engines:
        jemalloc = name.startswith("ours") and not name.startswith("ours-glibc")
        environment = reader_environment(Allocator.AUTO if jemalloc else Allocator.GLIBC)
        if name.endswith("-decay10s") and environment:
            environment["MALLOC_CONF"] = "background_thread:false"  # jemalloc's own defaults
        if name.endswith("-keep") and environment:  # freed pages kept for the next page
            environment["MALLOC_CONF"] = "dirty_decay_ms:-1,muzzy_decay_ms:-1"
        out = subprocess.run(
            [sys.executable, __file__, "--engine-worker", name],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **environment},
        )
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            raise SystemExit(1)
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    print("Part 1: the same prepared pages, each engine in its own process (CPU s / page)")
    head = (
        f"{'page':<9}"
        + "".join(f" | {n[:16]:>16} cpu  sys wall" for n in results)
        + " | ours/stock cpu"
    )
    print(head)
    print("-" * len(head))
    for kind in KINDS:
        cells = f"{kind:<9}"
        for name in results:
            row = results[name]["rows"][kind]
            cells += f" | {row['cpu']:20.2f} {row['sys']:4.2f} {row['wall']:4.2f}"
        if "ours" in results and "stock" in results:
            ratio = results["ours"]["rows"][kind]["cpu"] / results["stock"]["rows"][kind]["cpu"]
            cells += f" | {ratio:9.2f}x"
        print(cells)
    print(
        "peak memory (VmHWM, MB): "
        + ", ".join(f"{n} {r['peak_mb']:.0f}" for n, r in results.items())
        + f" (before any model: {min(r['before_models_mb'] for r in results.values()):.0f})"
    )
    lines = {n: sum(int(r["rows"][k]["lines"]) for k in KINDS) for n, r in results.items()}
    print("text lines read: " + ", ".join(f"{n} {c}" for n, c in lines.items()))


def part2(copies: int) -> None:
    from parse_bench import tree_cpu_seconds

    from parsers.isolated import read_all, reader_pids, stop_reader
    from parsers.ocr import RapidOcrEngine
    from parsers.reader import ParseLimits

    files = [
        (f"{n}-{i}{Path(name).suffix}", (SAMPLES / name).read_bytes())
        for i in range(copies)
        for n, name in enumerate(FORMS + CARDS[2:])
    ]
    engine = RapidOcrEngine()
    print(f"Part 2: {len(files)} pages through the reader pool (forms and ID photos)")
    figures = {}
    for workers in (1, 2):
        limits = ParseLimits(workers=workers)
        warm = [(f"warm{i}.jpg", (SAMPLES / CARDS[2]).read_bytes()) for i in range(workers)]
        read_all(warm, limits, engine)  # every reader process started, models loaded
        started, cpu_started = time.perf_counter(), tree_cpu_seconds()
        documents = read_all(files, limits, engine)
        wall, cpu = time.perf_counter() - started, tree_cpu_seconds() - cpu_started
        unread = sum(1 for docs in documents for d in docs if d.unreadable)
        peaks = [peak_mb(pid) for pid in reader_pids()]
        stop_reader()
        figures[workers] = len(files) / wall * 60
        print(
            f"  {workers} worker(s): {figures[workers]:6.1f} pages/min, wall {wall:5.1f} s, "
            f"CPU {cpu / len(files):4.2f} s/page, unreadable {unread}, "
            f"reader peak memory {', '.join(f'{p:.0f}' for p in peaks)} MB"
        )
    print(f"  2 workers / 1 worker: {figures[2] / figures[1]:.2f}x ({os.cpu_count()} cores)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", type=int, choices=(1, 2))
    parser.add_argument("--copies", type=int, default=2, help="part 2: each file this often")
    parser.add_argument("--engine-worker")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="part 1: which engines, comma-separated"
    )
    args = parser.parse_args()
    if args.engine_worker:
        engine_worker(args.engine_worker)
        return 0
    if args.part in (None, 1):
        part1(tuple(args.engines.split(",")))
    if args.part in (None, 2):
        part2(args.copies)
    print(
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
        f"max RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
