"""Colourising many files: the engine behind `colorize` and the app's Export folder.

Never loses anything: inputs are only read; each output is written to a temporary file in
its folder and renamed; a bad file is reported with a one-line reason and the batch goes on.
Loading and saving run in a small thread pool so that they overlap the network.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .atomic import atomic_write_bytes
from .imageio import (
    SAVE_FORMATS,
    SUFFIX_FORMAT,
    ImageLoadError,
    ImageSaveError,
    LoadedImage,
    load_image,
    save_image,
)
from .pipeline import Colorizer

INPUT_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif"}
REPORT_NAME = "colorize-report"


class UsageError(ValueError):
    """Bad arguments or an unusable output folder: nothing was started."""


@dataclass
class Job:
    source: Path
    output: Path


@dataclass
class Outcome:
    source: str
    output: str
    status: str  # done | skipped | failed
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class BatchOptions:
    temperature: float | None = None  # None: the model's default
    fmt: str = "keep"  # keep | png | jpg | tiff | webp
    quality: int = 92
    suffix: str = "_color"
    existing: str = "skip"  # skip | overwrite
    recursive: bool = False
    jobs: int = 2
    shard: tuple[int, int] = (1, 1)  # K of N, 1-based


def parse_shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError as e:
        raise UsageError(f"--shard {text!r}: expected K/N, e.g. 2/8") from e
    if not 1 <= k <= n:
        raise UsageError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def collect_inputs(inputs: list[str | os.PathLike], outdir: Path, recursive: bool) -> list[tuple[Path, Path]]:
    """(source, path relative to the output folder) for every image, sorted; the output folder's
    own contents are never taken as inputs."""
    found: list[tuple[Path, Path]] = []
    for item in map(Path, inputs):
        if item.is_dir():
            if item.resolve() == outdir.resolve():
                raise UsageError(f"{item}: the output folder must differ from the input folder")
            files = item.rglob("*") if recursive else item.glob("*")
            for f in files:
                if (
                    f.is_file()
                    and f.suffix.lower() in INPUT_SUFFIXES
                    and not _is_within(f, outdir)
                    and not f.name.startswith(".")
                ):
                    found.append((f, f.relative_to(item)))
        elif item.is_file():
            found.append((item, Path(item.name)))
        else:
            raise UsageError(f"{item}: no such file or folder")
    seen, unique = set(), []
    for src, rel in sorted(found, key=lambda x: (str(x[1]), str(x[0]))):
        key = src.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((src, rel))
    return unique


def take_shard(items: list, shard: tuple[int, int]) -> list:
    """The K-th of N interleaved slices: deterministic, disjoint, and together complete."""
    k, n = shard
    return items[k - 1 :: n]


def output_format(source: Path, fmt: str) -> str:
    if fmt != "keep":
        return fmt
    return SUFFIX_FORMAT.get(source.suffix.lower(), "png")  # gif, bmp -> png


def plan_jobs(inputs, outdir: Path, options: BatchOptions) -> list[Job]:
    items = take_shard(collect_inputs(inputs, outdir, options.recursive), options.shard)
    jobs = []
    for src, rel in items:
        ext = SAVE_FORMATS[output_format(src, options.fmt)]
        if options.fmt == "keep" and src.suffix.lower() in SUFFIX_FORMAT:
            ext = src.suffix
        jobs.append(Job(src, outdir / rel.parent / f"{rel.stem}{options.suffix}{ext}"))
    return jobs


def check_output_folder(outdir: Path) -> None:
    """Create the folder if needed and prove it writable, before any work starts."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        probe = outdir / f".colorize-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise UsageError(f"{outdir}: output folder is not writable ({e.strerror or e})") from e


def remove_stale_temporaries(outdir: Path) -> int:
    """Temporary files of an earlier, killed run (ours only: '.NAME.*.part')."""
    n = 0
    for tmp in outdir.rglob(".*.part"):
        try:
            tmp.unlink()
            n += 1
        except OSError:
            pass
    return n


def render_and_save(colorizer: Colorizer, image: LoadedImage, pred, output: Path, T: float, fmt: str, quality: int) -> list[str]:
    """Compose a prediction at full resolution and write it; returns notes for the report."""
    rgb = colorizer.compose(pred, image.L, T, bits=image.bits)
    output.parent.mkdir(parents=True, exist_ok=True)
    save_image(rgb, output, image, quality=quality, fmt=fmt)
    notes = list(image.notes)
    if image.bits == 16 and fmt in ("jpg", "webp"):
        notes.append(f"16-bit input written as 8-bit {fmt}")
    return notes


def run_batch(
    colorizer: Colorizer,
    jobs: list[Job],
    options: BatchOptions,
    progress: Callable[[int, Outcome], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Outcome]:
    """Colourise every job; loading (ahead) and saving happen in ``options.jobs`` threads."""
    T = colorizer.default_T if options.temperature is None else options.temperature
    outcomes: list[Outcome] = []

    def record(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if progress:
            progress(len(outcomes), outcome)

    todo = []
    for job in jobs:
        if job.output.exists() and options.existing == "skip":
            record(Outcome(str(job.source), str(job.output), "skipped", "output exists"))
        else:
            todo.append(job)

    def load(job: Job) -> tuple[LoadedImage | None, str]:
        try:
            return load_image(job.source), ""
        except (ImageLoadError, OSError, MemoryError) as e:
            return None, str(e)

    def save(job: Job, image: LoadedImage, pred, t0: float) -> Outcome:
        fmt = output_format(job.source, options.fmt)
        try:
            notes = render_and_save(colorizer, image, pred, job.output, T, fmt, options.quality)
        except (ImageSaveError, OSError, MemoryError, ValueError) as e:
            return Outcome(str(job.source), str(job.output), "failed", _one_line(e), list(image.notes))
        return Outcome(str(job.source), str(job.output), "done", "", notes, round(time.perf_counter() - t0, 3))

    workers = max(1, options.jobs)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="colorize-io") as pool:
        loads: Iterator[Future] = (pool.submit(load, job) for job in todo)
        ahead = [next(loads, None) for _ in range(workers)]  # keep the readers a few files ahead
        saves: list[Future] = []
        for job in todo:
            fut = ahead.pop(0)
            ahead.append(next(loads, None))
            t0 = time.perf_counter()
            image, error = fut.result()
            if cancelled():
                break
            if image is None:
                record(Outcome(str(job.source), str(job.output), "failed", _one_line(error)))
                continue
            try:
                pred = colorizer.predict(image.L)
            except (RuntimeError, MemoryError) as e:
                record(Outcome(str(job.source), str(job.output), "failed", _one_line(e)))
                continue
            saves.append(pool.submit(save, job, image, pred, t0))
            while saves and (saves[0].done() or len(saves) > workers):  # in order, at most `workers` pending
                record(saves.pop(0).result())
        for f in saves:
            record(f.result())
        for f in ahead:
            if f is not None:
                f.cancel()
    return outcomes


def _one_line(e) -> str:
    return " ".join(str(e).split())[:300]


def write_report(outdir: Path, outcomes: list[Outcome]) -> tuple[Path, Path]:
    """CSV and JSON reports in the output folder, written atomically."""
    rows = [asdict(o) for o in outcomes]
    json_path, csv_path = outdir / f"{REPORT_NAME}.json", outdir / f"{REPORT_NAME}.csv"
    summary = {s: sum(o.status == s for o in outcomes) for s in ("done", "skipped", "failed")}
    atomic_write_bytes(json.dumps({"summary": summary, "files": rows}, indent=1, ensure_ascii=False).encode(), json_path)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(Outcome.__dataclass_fields__))
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "notes": "; ".join(r["notes"])})
    atomic_write_bytes(buf.getvalue().encode(), csv_path)
    return csv_path, json_path
