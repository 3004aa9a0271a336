"""Colourising many files: the engine behind `colorize` and the app's Export folder.

Never loses anything: inputs are only read; each output is written to a temporary file in
its folder and renamed; a bad file is reported with a one-line reason and the batch goes on.
Loading and saving run in a small thread pool so that they overlap the network.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from model.errors import UserError
from model.inference.hints import Hint, check_inside
from model.inference.photo_settings import SettingsStore, apply_settings, photo_key
from model.inference.pipeline import Colorizer
from model.io.atomic import HOST_TAG, TEMP_PREFIX, TEMP_SUFFIX, atomic_write_bytes, process_alive, temporary_path_owner
from model.io.folders import PHOTO_SUFFIXES, UNSUPPORTED_SUFFIXES
from model.io.images import (
    SAVE_FORMATS,
    SUFFIX_FORMAT,
    ImageLoadError,
    ImageSaveError,
    LoadedImage,
    load_image,
    save_image,
)
from model.lab.look import Look

REPORT_NAME = "colorize-report"


@dataclass
class Job:
    source: Path
    output: Path
    notes: list[str] = field(default_factory=list)


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
    hints: tuple[Hint, ...] = ()  # colour hints for every photo, in its own pixels (colorize --hints)
    look: Look = field(default_factory=Look)  # saturation, warmth, tint
    saved: SettingsStore | None = None  # each photo's own saved settings, where it has them, win over the above


def parse_shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError as e:
        raise UserError(f"--shard {text!r}: expected K/N, e.g. 2/8") from e
    if not 1 <= k <= n:
        raise UserError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a link loop, before Python 3.13
        return False




def _special_kind(mode: int) -> str | None:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):  # fmt: skip
        if test(mode):
            return kind
    return None


def collect_inputs(
    inputs: list[str | os.PathLike], outdir: Path, recursive: bool, skipped: list[Outcome] | None = None
) -> list[tuple[Path, Path]]:
    """(source, path relative to the output folder) for every image, sorted; the output folder's
    own contents are never taken as inputs. Entries passed over for a reason (a format we cannot
    read, a link that leads nowhere or loops, a FIFO or device, a folder we cannot list or that is
    a link) are appended to ``skipped``; hidden files and other kinds of file are ignored."""
    found: list[tuple[Path, Path]] = []
    skipped = [] if skipped is None else skipped

    def skip(path: Path, reason: str) -> None:
        skipped.append(Outcome(str(path), "", "skipped", reason))

    def walk(folder: Path, top: Path) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            skip(folder, f"cannot list this folder ({e.strerror or e})")
            return
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") or _is_within(path, outdir):
                continue
            try:
                st = path.stat()  # follows links
            except OSError as e:
                if entry.is_symlink():
                    skip(path, "a link that loops back on itself" if e.errno == errno.ELOOP else "a link to nothing")
                else:
                    skip(path, f"cannot read ({e.strerror or e})")
                continue
            if stat.S_ISDIR(st.st_mode):
                if recursive and entry.is_symlink():
                    skip(path, "a linked folder: not followed (it could lead back into the tree)")
                elif recursive:
                    walk(path, top)
                continue
            kind = _special_kind(st.st_mode)
            suffix = path.suffix.lower()
            if kind:
                skip(path, f"{kind}, not a file: not opened")
            elif suffix in PHOTO_SUFFIXES:
                found.append((path, path.relative_to(top)))
            elif suffix in UNSUPPORTED_SUFFIXES:
                skip(path, f"{UNSUPPORTED_SUFFIXES[suffix]} photos cannot be read; convert them to TIFF, PNG or JPEG")

    for item in map(Path, inputs):
        try:
            st = item.stat()
        except OSError as e:
            why = "no such file or folder" if e.errno == errno.ENOENT else e.strerror or str(e)
            raise UserError(f"{item}: {why}") from e
        if stat.S_ISDIR(st.st_mode):
            if item.resolve() == outdir.resolve():
                raise UserError(f"{item}: the output folder must differ from the input folder")
            if _is_within(item, outdir):
                raise UserError(f"{item}: the input folder lies inside the output folder {outdir}; choose an output folder "
                                 "outside it, or results and photos would mix")  # fmt: skip
            walk(item, item)
        elif _special_kind(st.st_mode):
            skip(item, f"{_special_kind(st.st_mode)}, not a file: not opened")
        else:
            found.append((item, Path(item.name)))
    seen, unique = set(), []
    for src, rel in sorted(found, key=lambda x: (str(x[1]), str(x[0]))):
        key = src.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((src, rel))
    return unique


def check_suffix(suffix: str) -> None:
    """The suffix names a file beside its source's output, never a path: '/../../X' would write outside -o."""
    if any(sep and sep in suffix for sep in (os.sep, os.altsep)) or "\0" in suffix:
        raise UserError(f"--suffix {suffix!r}: must not contain a path separator")


def take_shard(items: list, shard: tuple[int, int]) -> list:
    """The K-th of N interleaved slices: deterministic, disjoint, and together complete."""
    k, n = shard
    return items[k - 1 :: n]


def output_format(source: Path, fmt: str) -> str:
    if fmt != "keep":
        return fmt
    return SUFFIX_FORMAT.get(source.suffix.lower(), "png")  # gif, bmp -> png


def plan_jobs(inputs, outdir: Path, options: BatchOptions, skipped: list[Outcome] | None = None) -> list[Job]:
    """A job per input. Outputs are named before any shard is taken, so that two sources whose
    outputs would share a name (scan.tif and scan.jpg -> scan_color.jpg) get their own names in
    every shard: the source's extension goes into the name (scan_tif_color.jpg)."""
    check_suffix(options.suffix)
    items = collect_inputs(inputs, outdir, options.recursive, skipped)
    planned = []
    for src, rel in items:
        ext = SAVE_FORMATS[output_format(src, options.fmt)]
        if options.fmt == "keep" and src.suffix.lower() in SUFFIX_FORMAT:
            ext = src.suffix
        planned.append((src, rel, ext))
    names = _unique_outputs(planned, outdir, options.suffix)
    jobs = [Job(src, out, notes) for (src, _, _), (out, notes) in zip(planned, names)]
    return take_shard(jobs, options.shard)


def _collision_key(path: Path) -> str:
    return str(path).casefold()  # case-insensitive file systems (macOS, Windows) collide on case too


def _unique_outputs(planned, outdir: Path, suffix: str) -> list[tuple[Path, list[str]]]:
    natural = [outdir / rel.parent / f"{rel.stem}{suffix}{ext}" for _, rel, ext in planned]
    counts: dict[str, int] = {}
    for out in natural:
        counts[_collision_key(out)] = counts.get(_collision_key(out), 0) + 1
    taken = {_collision_key(out) for out in natural}
    result = []
    for (src, rel, ext), out in zip(planned, natural):
        if counts[_collision_key(out)] == 1:
            result.append((out, []))
            continue
        stem, n = f"{rel.stem}_{src.suffix.lstrip('.').lower() or 'noext'}", 1
        candidate = outdir / rel.parent / f"{stem}{suffix}{ext}"
        while _collision_key(candidate) in taken:
            n += 1
            candidate = outdir / rel.parent / f"{stem}-{n}{suffix}{ext}"
        taken.add(_collision_key(candidate))
        result.append((candidate, [f"renamed to {candidate.name}: another input would also be written as {out.name}"]))
    return result


def check_output_folder(outdir: Path) -> None:
    """Create the folder if needed and prove it writable, before any work starts."""
    if outdir.exists() and not outdir.is_dir():
        raise UserError(f"{outdir}: is a file, not a folder; name a folder for the results")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        probe = outdir / f".colorize-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise UserError(f"{outdir}: output folder is not writable ({e.strerror or e})") from e


def remove_stale_temporaries(outdir: Path) -> int:
    """Temporary files of an earlier, killed run: only names that colorize itself makes, made on
    this machine by a process that has ended (a running shard's file is left alone)."""
    n = 0
    for tmp in outdir.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        owner = temporary_path_owner(tmp.name)
        if owner is None or owner[0] != HOST_TAG or owner[1] == os.getpid() or process_alive(owner[1]):
            continue
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
    notes = list(image.notes)
    save_image(rgb, output, image, quality=quality, fmt=fmt, notes=notes)
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
    if options.saved is not None and options.saved.is_empty():
        options = replace(options, saved=None)  # no photo has settings: hashing each one would find none
    outcomes: list[Outcome] = []

    def record(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if progress:
            progress(len(outcomes), outcome)

    todo = []
    for job in jobs:
        if job.output.exists() and options.existing == "skip":
            record(Outcome(str(job.source), str(job.output), "skipped", "output exists", list(job.notes)))
        else:
            todo.append(job)

    # One file must never stop the batch: whatever a file raises is that file's failure.
    def load(job: Job) -> tuple[LoadedImage | None, str]:
        try:
            return load_image(job.source), ""
        except (ImageLoadError, OSError, MemoryError) as e:
            return None, str(e)
        except Exception as e:  # a reader's bug on a file nobody foresaw
            return None, f"{job.source.name}: cannot read image ({type(e).__name__}: {e})"

    def save(job: Job, image: LoadedImage, pred, t0: float, T: float, used: list[str]) -> Outcome:
        fmt = output_format(job.source, options.fmt)
        try:
            notes = used + render_and_save(colorizer, image, pred, job.output, T, fmt, options.quality)
        except (ImageSaveError, OSError, MemoryError, ValueError) as e:
            return Outcome(str(job.source), str(job.output), "failed", _one_line(e), job.notes + image.notes)
        except Exception as e:
            reason = f"cannot write the result ({type(e).__name__}: {e})"
            return Outcome(str(job.source), str(job.output), "failed", _one_line(reason), job.notes + image.notes)
        return Outcome(str(job.source), str(job.output), "done", "", job.notes + notes, round(time.perf_counter() - t0, 3))

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
                record(Outcome(str(job.source), str(job.output), "failed", _one_line(error), list(job.notes)))
                continue
            try:
                pred = colorizer.predict(image.L)
                T_job, used = apply_saved_or_options(colorizer, image, pred, job.source, options, T)
            except Exception as e:  # a hint off this photo, out of memory, or a shape the network cannot take
                record(Outcome(str(job.source), str(job.output), "failed", _one_line(e), list(job.notes)))
                continue
            saves.append(pool.submit(save, job, image, pred, t0, T_job, used))
            while saves and (saves[0].done() or len(saves) > workers):  # in order, at most `workers` pending
                record(saves.pop(0).result())
        for f in saves:
            record(f.result())
        for f in ahead:
            if f is not None:
                f.cancel()
    return outcomes


def apply_saved_or_options(colorizer: Colorizer, image: LoadedImage, pred, source: Path, options: BatchOptions,
                           T: float) -> tuple[float, list[str]]:  # fmt: skip
    """The photo's own saved settings when it has them (set in the app), else the batch's options;
    returns the temperature to render at and a note for the report."""
    settings = options.saved.load(photo_key(source)) if options.saved is not None else None
    if settings is None:
        check_inside(list(options.hints), image.size)
        pred.hints, pred.look = list(options.hints), options.look
        return T, []
    left_out = apply_settings(colorizer, pred, settings, image.size)
    T_own = settings.temperature if settings.temperature is not None else T
    used = f"its own saved settings (T {T_own:.3g}, {len(pred.hints)} hints, {len(pred.edits)} modes)"
    return T_own, [used, *left_out]


def _one_line(e) -> str:
    return " ".join(str(e).split())[:300]


def report_stem(shard: tuple[int, int] = (1, 1)) -> str:
    """Each shard of a job array writes its own report (merge them with --merge-reports)."""
    k, n = shard
    return REPORT_NAME if n == 1 else f"{REPORT_NAME}.shard-{k}-of-{n}"


def text_of(value: str) -> str:
    """A name as printable text: bytes that are not UTF-8 (old Windows, ZIP or Samba names,
    which Python carries as surrogates) become \\xNN instead of failing the write."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _json_bytes(obj) -> bytes:
    # A surrogate becomes the JSON escape \udcNN: json.loads and os.fsencode give the bytes back.
    return json.dumps(obj, indent=1, ensure_ascii=False).encode("utf-8", "backslashreplace")


class ReportError(OSError):
    """The report could not be written (disk full, folder gone); the outputs themselves are fine."""


class ReportWriter:
    """The batch's report, kept current while it runs: the CSV gains each finished file's row at
    once (flushed, so a crash still leaves every finished row), and the JSON, with the summary,
    is replaced atomically every few seconds and at the end."""

    FIELDS = list(Outcome.__dataclass_fields__)

    def __init__(self, outdir: Path, shard: tuple[int, int] = (1, 1), every_s: float = 2.0):
        stem = report_stem(shard)
        self.csv_path, self.json_path = outdir / f"{stem}.csv", outdir / f"{stem}.json"
        self.outcomes: list[Outcome] = []
        self.every_s, self._last = every_s, time.monotonic()
        try:
            self._csv = open(self.csv_path, "w", newline="", encoding="utf-8")
            self._writer = csv.DictWriter(self._csv, fieldnames=self.FIELDS)
            self._writer.writeheader()
            self._csv.flush()
        except OSError as e:
            raise ReportError(f"{self.csv_path}: cannot write the report ({e.strerror or e})") from e

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        row = {k: text_of(v) if isinstance(v, str) else v for k, v in asdict(outcome).items()}
        row["notes"] = "; ".join(text_of(n) for n in outcome.notes)
        try:
            self._writer.writerow(row)
            self._csv.flush()
        except OSError as e:
            raise ReportError(f"{self.csv_path}: cannot write the report ({e.strerror or e})") from e
        if time.monotonic() - self._last >= self.every_s:
            self.write_json()

    def write_json(self) -> None:
        self._last = time.monotonic()
        summary = {s: sum(o.status == s for o in self.outcomes) for s in ("done", "skipped", "failed")}
        try:
            atomic_write_bytes(_json_bytes({"summary": summary, "files": [asdict(o) for o in self.outcomes]}), self.json_path)
        except OSError as e:
            raise ReportError(f"{self.json_path}: cannot write the report ({e.strerror or e})") from e

    def close(self) -> None:
        try:
            self.write_json()
        finally:
            try:
                self._csv.close()
            except OSError:
                pass


def write_report(outdir: Path, outcomes: list[Outcome], shard: tuple[int, int] = (1, 1)) -> tuple[Path, Path]:
    """CSV and JSON reports of finished outcomes in the output folder."""
    writer = ReportWriter(outdir, shard, every_s=float("inf"))
    for o in outcomes:
        writer.add(o)
    writer.close()
    return writer.csv_path, writer.json_path


def merge_reports(outdir: Path) -> tuple[Path, dict]:
    """One report from every shard's report in ``outdir``; returns its CSV path and summary."""
    parts = sorted(outdir.glob(f"{REPORT_NAME}.shard-*-of-*.json"))
    if not parts:
        raise UserError(f"{outdir}: no shard reports ({REPORT_NAME}.shard-K-of-N.json) to merge")
    outcomes = []
    for part in parts:
        try:
            files = json.loads(part.read_bytes())["files"]
            outcomes += [Outcome(**{**f, "notes": list(f.get("notes", []))}) for f in files]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise UserError(f"{part}: not a readable shard report ({type(e).__name__}: {e})") from e
    outcomes.sort(key=lambda o: o.source)
    csv_path, _ = write_report(outdir, outcomes)
    return csv_path, {s: sum(o.status == s for o in outcomes) for s in ("done", "skipped", "failed")}
