"""OCR engines behind one small protocol: RapidOCR (default) and tesseract ``chi_sim``.

An engine turns an RGB image (numpy array, height × width × 3, uint8) into positioned text
boxes. Engines are small picklable values: the heavy RapidOCR model lives in a per-process cache
and is loaded on first use, once per process (the OCR worker process keeps it between pages).

RapidOCR is run leaner than its defaults (`RapidOcrEngine.lean`, on unless turned off): the
detector sees only the inked part of a page (an A4 form leaves a third of the sheet blank), at
`lean_side` pixels for the whole page's longer side (`a4_side` for a page of A4's proportions:
`detection_side`; the same by default, as fewer pixels lose fields on blurred forms), and the
recogniser pads each batch of lines only to its widest line instead of to at least 320 × 48
pixels (most label and value cells are far shorter), within a width budget so long sentences do
not share one large batch; the heap is handed back after each page. `bench/ocr_bench.py` and
`bench/parse_bench.py` measure it against stock RapidOCR and against the full path
(`lean=False`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from parsers.model import TextBox
from parsers.preprocess import rotate

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    ImageArray = npt.NDArray[np.uint8]


class OcrEngine(Protocol):
    """Anything that reads text boxes from an image."""

    @property
    def name(self) -> str:
        """The engine's name as reported in `ParsedDocument.engine`."""
        ...

    def recognise(self, image: ImageArray) -> list[TextBox]:
        """The text boxes found in an RGB image."""
        ...


class OcrUnavailable(RuntimeError):
    """The engine's program or models are not installed on this machine."""


_RAPIDOCR_CACHE: dict[tuple[int, int, bool, int], Any] = {}

REC_HEIGHT = 48
"""The recogniser's line height in pixels (PP-OCR's)."""


@dataclass(frozen=True)
class RapidOcrEngine:
    """RapidOCR 3.x with onnxruntime; the detector's image side is capped at `max_side`, and at
    `lean_side` for the whole page when `lean`, `a4_side` for a page of A4's proportions (see
    the module's docstring and `detection_side`)."""

    max_side: int = 1280
    threads: int = 1
    name: str = "rapidocr"
    lean: bool = True
    lean_side: int = 1280
    a4_side: int = 1280

    def _model(self) -> Any:
        key = (self.max_side, self.threads, self.lean, self.lean_side)
        if key not in _RAPIDOCR_CACHE:
            try:
                from rapidocr import RapidOCR
            except ImportError as error:  # pragma: no cover - the package is a dependency
                raise OcrUnavailable("rapidocr is not installed") from error
            params: dict[str, Any] = {
                "Det.limit_type": "max",
                "Det.limit_side_len": self.max_side,
                "Global.log_level": "critical",
                "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                "EngineConfig.onnxruntime.enable_cpu_mem_arena": False,
            }
            if self.lean:  # a batch of lines is padded to its widest line only
                params["Rec.rec_img_shape"] = [3, REC_HEIGHT, REC_HEIGHT]
                tune_malloc()
            _RAPIDOCR_CACHE[key] = RapidOCR(params=params)
        return _RAPIDOCR_CACHE[key]

    def _detect(self, model: Any, image: ImageArray) -> tuple[list[Quad], list[Any]]:
        if self.lean:
            side = detection_side(image.shape[0], image.shape[1], self.lean_side, self.a4_side)
            return _detect_inked(model, image, min(self.max_side, side))
        return _detect(model, image)

    def recognise(self, image: ImageArray) -> list[TextBox]:
        """Text boxes with RapidOCR's recognition scores as confidence (image taken as upright)."""
        return self.read_page(image, orient=False)

    def read_page(self, image: ImageArray, orient: bool = True) -> list[TextBox]:
        """Text boxes of a page in any of the four orientations, found from the page itself.

        Detection runs once; when most text lines stand on end (a page turned 90° either way)
        the page is turned a quarter and detected again. Whether it is then upside down is
        decided for the page as a whole by RapidOCR's line-direction classifier, by a vote of
        all lines weighted by their width: every line is turned, or none. Box coordinates are
        those of the upright page. This replaces an orientation pass by tesseract OSD at full
        resolution, which cost more than detection itself.
        """
        return self.read_page_turned(image, orient)[0]

    def read_page_turned(self, image: ImageArray, orient: bool = True) -> tuple[list[TextBox], int]:
        """`read_page`, with the clockwise turn (0, 90, 180, 270) its coordinates are in."""
        model = self._model()
        quads, crops = self._detect(model, image)
        turn = 0
        if orient and sideways(quads):
            image = rotate(image, 90)
            turn = 90
            quads, crops = self._detect(model, image)
        if self.lean:
            release_memory()
        if not crops:
            return [], turn
        if orient and upside_down(model._load_cls_model()(crops).cls_res, crops):
            crops = [rotate(crop, 180) for crop in crops]
            height, width = image.shape[:2]
            quads = [[(width - x, height - y) for x, y in quad] for quad in quads]
            turn = (turn + 180) % 360
        texts, scores = _recognise(model._load_rec_model(), crops, self.lean)
        if self.lean:
            release_memory()
        boxes: list[TextBox] = []
        minimum = float(model.cfg.Global.text_score)
        for quad, text, score in zip(quads, texts, scores, strict=False):
            if not str(text).strip() or float(score) < minimum:
                continue
            xs = [float(point[0]) for point in quad]
            ys = [float(point[1]) for point in quad]
            boxes.append(TextBox(str(text), min(xs), min(ys), max(xs), max(ys), float(score)))
        return boxes, turn


Quad = list[tuple[float, float]]

A4_RATIO = 2**0.5
"""An A4 sheet's longer side over its shorter."""

A4_TOLERANCE = 0.06
"""A page whose sides' ratio is within this of `A4_RATIO` is taken for an A4 sheet."""


def detection_side(height: int, width: int, side: int, a4_side: int) -> int:
    """The detector's size for the whole page's longer side: `a4_side` for a page of A4's
    proportions (either way up), `side` otherwise.

    Detection costs about half of an A4 form page, and goes with its pixels: at 960 px an A4
    page costs 0.70× as much, but a blurred scanned form loses 6 of 23 fields (at 1024 px too),
    so `RapidOcrEngine.a4_side` stays at 1280 px (docs/reading-speed.md). Card photos and other
    shapes keep `side`.
    """
    longer, shorter = max(height, width), min(height, width)
    if shorter <= 0 or abs(longer / shorter - A4_RATIO) > A4_TOLERANCE:
        return side
    return min(side, a4_side)


REC_BATCH_LINES = 6
"""At most this many lines are recognised in one batch (RapidOCR's own batch size)."""

REC_BATCH_WIDTH = 60
"""Lean: a batch's lines × its widest line's width, in line heights, stays within this. Short
cells go six at a time; long sentences one or two at a time, so a batch of them never needs
the 150 MB that six 30-character lines padded alike take."""


def _recognise(recogniser: Any, crops: Sequence[Any], lean: bool) -> tuple[list[str], list[float]]:
    """Text and score of each line crop, in the crops' order."""
    from rapidocr.ch_ppocr_rec import TextRecInput

    if not lean:
        result = recogniser(TextRecInput(img=list(crops), return_word_box=False))
        return [str(t) for t in result.txts or ()], [float(s) for s in result.scores or ()]
    texts = [""] * len(crops)
    scores = [0.0] * len(crops)

    def ratio(index: int) -> float:
        height, width = crops[index].shape[:2]
        return float(width) / max(float(height), 1.0)

    order = sorted(range(len(crops)), key=ratio)
    batches: list[list[int]] = []
    for index in order:  # widest last: the newest line is the batch's widest
        batch = batches[-1] if batches else []
        wide = (len(batch) + 1) * max(ratio(index), 1.0)
        if not batch or len(batch) >= REC_BATCH_LINES or wide > REC_BATCH_WIDTH:
            batches.append([index])
        else:
            batch.append(index)
    for batch in batches:
        result = recogniser(TextRecInput(img=[crops[i] for i in batch], return_word_box=False))
        for index, text, score in zip(batch, result.txts or (), result.scores or (), strict=False):
            texts[index], scores[index] = str(text), float(score)
    return texts, scores


MMAP_THRESHOLD = 256 * 1024
"""Lean: allocations from this size up (page images, network tensors) are mapped on their own
and go back to the system when freed. glibc otherwise raises the threshold after the first
large free, and later page-sized arrays stay on the heap: a reader peaked at 450-555 MB on the
sample forms without it, 250-350 MB with it. The price is page faults: about 0.6 s more system
CPU per A4 page (measured: 1.9 s CPU per form page without, 2.5 s with)."""

_MALLOC_TUNED: list[bool] = []


def _libc() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def jemalloc_loaded() -> bool:
    """True when this process allocates with jemalloc (preloaded into the reader process by
    `parsers.watched`, see `parsers.allocator`)."""
    try:
        return "libjemalloc" in Path("/proc/self/maps").read_text()
    except OSError:  # pragma: no cover - not Linux
        return False


def tune_malloc() -> None:
    """Fix glibc's mmap threshold at `MMAP_THRESHOLD` for this process (once). Not done under
    jemalloc, which returns freed pages to the system by itself, without glibc's page faults."""
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED.append(True)
    if jemalloc_loaded():
        return
    try:
        libc = _libc()
        if libc is not None:
            libc.mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return


def release_memory() -> None:
    """Hand the heap's free pages back to the system, so what one page's detection and
    recognition used does not stay resident until the next page: glibc's malloc_trim, or under
    jemalloc a purge of every arena."""
    try:
        libc = _libc()
        if libc is None:
            return
        if jemalloc_loaded():
            import ctypes

            purge = ctypes.CDLL(None).mallctl  # the preloaded library's, not libc's
            purge(b"arena.4096.purge", None, None, None, ctypes.c_size_t(0))
        else:
            libc.malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return


def _detect(model: Any, image: ImageArray) -> tuple[list[Quad], list[Any]]:
    """RapidOCR's text detection: line quadrilaterals in `image`'s coordinates, and the crops."""
    from rapidocr.main import RapidOCRError
    from rapidocr.utils.process_img import map_boxes_to_original

    scaled, record = model.preprocess_img(image)
    try:
        crops, found = model.detect_and_crop(scaled, record)
    except RapidOCRError:  # nothing detected
        return [], []
    height, width = image.shape[:2]
    quads = map_boxes_to_original(found.boxes, record, height, width)
    return [[(float(x), float(y)) for x, y in quad] for quad in quads], list(crops)


def _detect_inked(model: Any, image: ImageArray, side: int) -> tuple[list[Quad], list[Any]]:
    """Detection on the inked part of `image` only, at `side` pixels for the whole image's longer
    side (never enlarged); the crops are cut from the full-resolution image for recognition."""
    import numpy as np
    from rapidocr.utils.process_img import map_boxes_to_original

    scaled, record = model.preprocess_img(image)
    height, width = scaled.shape[:2]
    if min(height, width) < 64:  # a strip: RapidOCR's own padding and detection
        return _detect(model, image)
    x0, y0, x1, y1 = inked_box(scaled)
    region = scaled[y0:y1, x0:x1]
    detector = model._load_det_model()
    scale = min(1.0, side / max(height, width))
    detector.limit_type = "max"
    detector.limit_side_len = max(32, round(max(region.shape[:2]) * scale))
    found = detector(region)
    if found.boxes is None or len(found.boxes) == 0:
        return [], []
    crops = model.crop_text_regions(region, found.boxes)
    boxes = np.array(found.boxes, dtype=np.float32)
    boxes[:, :, 0] += x0
    boxes[:, :, 1] += y0
    quads = map_boxes_to_original(boxes, {"preprocess": record["preprocess"]}, *image.shape[:2])
    return [[(float(x), float(y)) for x, y in quad] for quad in quads], list(crops)


def inked_box(image: ImageArray, margin: int = 32) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the part of `image` that holds anything darker than paper, with a
    margin; the whole image when nothing is (found on an eighth-size grey copy, so cheaply)."""
    import cv2
    import numpy as np

    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    height, width = grey.shape[:2]
    step = 8
    small = cv2.resize(
        grey, (max(1, width // step), max(1, height // step)), interpolation=cv2.INTER_AREA
    )
    dark = small < 200
    rows = np.flatnonzero(dark.any(axis=1))
    columns = np.flatnonzero(dark.any(axis=0))
    if rows.size == 0 or columns.size == 0:
        return 0, 0, width, height
    return (
        max(0, int(columns[0]) * step - margin),
        max(0, int(rows[0]) * step - margin),
        min(width, (int(columns[-1]) + 1) * step + margin),
        min(height, (int(rows[-1]) + 1) * step + margin),
    )


def sideways(quads: Sequence[Sequence[tuple[float, float]]]) -> bool:
    """True when most elongated text lines are taller than wide: the page lies on its side."""
    upright_lines = standing_lines = 0
    for quad in quads:
        xs = [x for x, _ in quad]
        ys = [y for _, y in quad]
        width, height = max(xs) - min(xs), max(ys) - min(ys)
        if width >= 2.5 * height:
            upright_lines += 1
        elif height >= 2.5 * width:
            standing_lines += 1
    return standing_lines >= 3 and standing_lines > upright_lines


def upside_down(labels: Sequence[tuple[str, float]], crops: Sequence[Any]) -> bool:
    """True when the width-weighted vote of the line classifier says the page is turned 180°.

    Short lines (one or two characters) carry little weight, and a line counts only when the
    classifier is fairly sure of it.
    """
    turned = kept = 0.0
    for (label, score), crop in zip(labels, crops, strict=False):
        if float(score) < 0.7:
            continue
        weight = float(crop.shape[1]) / max(float(crop.shape[0]), 1.0)
        if str(label) == "180":
            turned += weight
        else:
            kept += weight
    return turned > 1.5 * kept and turned > 0


def without_rules(image: ImageArray) -> ImageArray:
    """The image with long horizontal and vertical table lines painted white: tesseract reads
    ruled tables far worse than the same text without the rules."""
    import cv2
    import numpy as np

    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    dark = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    height, width = grey.shape[:2]
    horizontal = cv2.morphologyEx(
        dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(40, width // 15), 1))
    )
    vertical = cv2.morphologyEx(
        dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(40, height // 15)))
    )
    rules = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    out = image.copy()
    out[rules > 0] = 255
    return out


def tesseract_env() -> dict[str, str]:
    """The environment for a tesseract subprocess: one OpenMP thread (5× faster on 2 cores)."""
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _png(image: ImageArray) -> bytes:
    import cv2

    ok, encoded = cv2.imencode(".png", image[:, :, ::-1] if image.ndim == 3 else image)
    if not ok:
        raise ValueError("image could not be encoded")
    return bytes(encoded.tobytes())


@dataclass(frozen=True)
class TesseractEngine:
    """Tesseract ``chi_sim`` in page-segmentation mode 6 (a uniform block of text)."""

    language: str = "chi_sim"
    psm: int = 6
    timeout: float = 120.0
    name: str = "tesseract"

    def recognise(self, image: ImageArray) -> list[TextBox]:
        """Word boxes from tesseract's TSV output; confidence is tesseract's, scaled to 0..1."""
        binary = shutil.which("tesseract")
        if binary is None:
            raise OcrUnavailable("tesseract is not installed")
        command = [binary, "stdin", "stdout", "-l", self.language, "--psm", str(self.psm), "tsv"]
        completed = subprocess.run(
            command,
            input=_png(without_rules(image)),
            capture_output=True,
            timeout=self.timeout,
            env=tesseract_env(),
            check=False,
        )
        if completed.returncode != 0:
            raise OcrUnavailable(completed.stderr.decode("utf-8", "replace").strip()[:200])
        return parse_tesseract_tsv(completed.stdout.decode("utf-8", "replace"))


def parse_tesseract_tsv(tsv: str) -> list[TextBox]:
    """Phrase boxes from tesseract's TSV: the words of one text line joined while the gap
    between them stays under about half a character (Chinese comes out one character a word)."""
    lines: dict[tuple[str, str, str], list[TextBox]] = {}
    for row in tsv.splitlines()[1:]:
        parts = row.split("\t")
        if len(parts) < 12 or parts[0] != "5" or not parts[11].strip():
            continue
        left, top, width, height = (int(v) for v in parts[6:10])
        confidence = max(0.0, min(1.0, float(parts[10]) / 100.0))
        word = TextBox(parts[11].strip(), left, top, left + width, top + height, confidence)
        lines.setdefault((parts[2], parts[3], parts[4]), []).append(word)
    boxes: list[TextBox] = []
    for words in lines.values():
        words.sort(key=lambda w: w.x0)
        line_height = max(w.y1 - w.y0 for w in words)
        current = words[0]
        for word in words[1:]:
            if word.x0 - current.x1 <= 0.6 * line_height:
                current = TextBox(
                    current.text + word.text,
                    current.x0,
                    min(current.y0, word.y0),
                    word.x1,
                    max(current.y1, word.y1),
                    min(current.confidence, word.confidence),
                )
            else:
                boxes.append(current)
                current = word
        boxes.append(current)
    return boxes


def tesseract_orientation(image: ImageArray, timeout: float = 30.0) -> tuple[int, float] | None:
    """Tesseract OSD (psm 0): the clockwise rotation that makes the page upright, and confidence.

    None when tesseract or its `osd` data is missing or the page has too little text.
    """
    binary = shutil.which("tesseract")
    if binary is None:
        return None
    try:
        completed = subprocess.run(
            [binary, "stdin", "stdout", "--psm", "0"],
            input=_png(image),
            capture_output=True,
            timeout=timeout,
            env=tesseract_env(),
            check=False,
        )
    except (subprocess.TimeoutExpired, OSError):
        return None
    if completed.returncode != 0:
        return None
    rotate: int | None = None
    confidence = 0.0
    for line in completed.stdout.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "Rotate":
            rotate = int(value.strip())
        elif name.strip() == "Orientation confidence":
            confidence = float(value.strip())
    return (rotate, confidence) if rotate is not None else None


def make_engine(name: str = "rapidocr") -> OcrEngine:
    """The engine called `name`: ``rapidocr`` (default) or ``tesseract``."""
    if name == "rapidocr":
        return RapidOcrEngine()
    if name == "tesseract":
        return TesseractEngine()
    raise ValueError(f"unknown OCR engine {name!r}; use 'rapidocr' or 'tesseract'")
