"""`colorize`: colourise photos and folders from the command line.

Exit status: 0 when nothing failed, 1 when some files failed, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from model.cli.common import add_version
from model.errors import UserError, run_command
from model.inference.batch import (
    BatchOptions,
    ReportError,
    ReportWriter,
    check_output_folder,
    merge_reports,
    parse_shard,
    plan_jobs,
    remove_stale_temporaries,
    run_batch,
    text_of,
)
from model.inference.hints import load_hints
from model.inference.photo_settings import SettingsStore
from model.inference.pipeline import Colorizer
from model.lab.look import Look


def speed_text(done: int, total: int, since_first: float) -> str:
    """Images a minute and the time left, from the files after the first (the first one's time
    includes loading the network and would inflate the estimate)."""
    if done < 2 or since_first <= 0:
        return "measuring speed"
    per_minute = (done - 1) / since_first * 60
    left = round((total - done) / per_minute * 60)
    return f"{per_minute:.1f} img/min, about {left // 60}:{left % 60:02d} left"


def bundled_names() -> list[str]:
    from model.nets.registry import bundled_models

    try:
        return [e.name for e in bundled_models()]
    except (OSError, ValueError):  # an incomplete installation still prints its help
        return []


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="colorize", description="Colourise black-and-white photos (Zhang et al., ECCV 2016).")
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="photos or folders")
    p.add_argument("-o", "--output", metavar="OUTDIR", help="output folder (mirrors the input tree)")
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument("-T", "--temperature", type=float,
                   help="annealed-mean temperature, 0..1: lower is more vivid, higher calmer (default: the model's)")
    p.add_argument("--format", choices=["keep", "png", "jpg", "tiff", "webp"], default="keep",
                   help="output format; keep: the input's own where it can be written, else PNG")
    p.add_argument("--quality", type=int, default=92, help="JPEG/WebP quality (1-100)")
    p.add_argument("--suffix", default="_color", help="added to each output's name (default: _color)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--skip-existing", action="store_true", help="leave existing outputs alone (the default)")
    g.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: CUDA when present, else the CPU")
    p.add_argument("--model", help=f"a bundled model ({', '.join(bundled_names())}; the first is the default) or a weights file")
    p.add_argument("--jobs", type=int, default=2, help="threads that load and save while the network runs")
    p.add_argument("--shard", default="1/1", metavar="K/N", help="process only the K-th of N slices of the inputs")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--saturation", type=float, default=1.0, metavar="S", help="chroma scale: 1 unchanged, 0 grey (0..3)")
    p.add_argument("--warmth", type=float, default=0.0, metavar="W",
                   help="shift towards yellow (+) or blue (-), in ab units (-60..60; 0 unchanged)")
    p.add_argument("--tint", type=float, default=0.0, metavar="T",
                   help="shift towards magenta (+) or green (-), in ab units (-60..60; 0 unchanged)")
    p.add_argument("--grey-unsure", type=float, default=0.0, metavar="G",
                   help="grey the colour where the network was less sure than usual, tames blotches (0 off .. 1 full)")
    p.add_argument("--ignore-saved", action="store_true",
                   help="do not use the settings saved for a photo in the app (its temperature, adjustments, hints)")
    p.add_argument("--hints", metavar="FILE", help='colour hints for the photos, JSON: {"hints": [{"x": 120, "y": 80, '
                   '"srgb": "#c03030"}, ...]} in each photo\'s pixels (as the app saves them)')
    p.add_argument("--merge-reports", metavar="OUTDIR", help="merge the shard reports in OUTDIR into one, then exit")
    add_version(p)
    args = p.parse_args(argv)
    if args.merge_reports is None and (not args.inputs or args.output is None):
        p.error("give INPUT... and -o OUTDIR (or --merge-reports OUTDIR)")
    return args


def merge(outdir: str) -> int:
    csv_path, counts = merge_reports(Path(outdir))
    print(f"done {counts['done']}, skipped {counts['skipped']}, failed {counts['failed']}  (merged report: {csv_path})")
    return 1 if counts["failed"] else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.merge_reports is not None:
        return run_command("colorize", lambda: merge(args.merge_reports))
    return run_command("colorize", lambda: colorize(args))


def colorize(args: argparse.Namespace) -> int:
    # arguments, inputs, model and output folder are checked before anything is written
    if args.temperature is not None and not (math.isfinite(args.temperature) and 0 <= args.temperature <= 1):
        raise UserError(f"-T {args.temperature}: the temperature must lie in 0..1")
    if not 1 <= args.quality <= 100:
        raise UserError(f"--quality {args.quality}: must lie in 1..100")
    options = BatchOptions(
        args.temperature,
        args.format,
        args.quality,
        args.suffix,
        "overwrite" if args.overwrite else "skip",
        args.recursive,
        args.jobs,
        parse_shard(args.shard),
        tuple(load_hints(args.hints)) if args.hints else (),
        Look(args.saturation, args.warmth, args.tint, args.grey_unsure),
        None if args.ignore_saved else SettingsStore(),
    )
    if not args.output.strip():
        raise UserError("-o: the output folder name is empty")
    outdir = Path(args.output)
    skipped: list = []
    jobs = plan_jobs(args.inputs, outdir, options, skipped)  # inputs first: a mistyped one leaves no empty folder
    colorizer = Colorizer.load(args.model, args.device)
    check_output_folder(outdir)
    stale = remove_stale_temporaries(outdir)
    if stale:
        print(f"removed {stale} temporary file(s) left by an interrupted run", file=sys.stderr)
    if not jobs:
        print("colorize: no images found" + (f" ({len(skipped)} entries passed over, see below)" if skipped else ""),
              file=sys.stderr)  # fmt: skip
    from tqdm import tqdm

    bar = tqdm(
        total=len(jobs),
        unit="img",
        disable=args.no_progress or not jobs,
        file=sys.stderr,
        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]",  # tqdm puts ", " before the postfix
    )
    bar.set_postfix_str("starting")
    first_done: list[float] = []  # when the first file was done: its time includes loading the network

    report_error: list[ReportError] = []
    try:
        report: ReportWriter | None = ReportWriter(outdir, options.shard)
    except ReportError as e:
        report, report_error = None, [e]

    def progress(done: int, outcome) -> None:
        nonlocal report
        bar.update(1)
        now = time.monotonic()
        first_done[:] = first_done or [now]
        bar.set_postfix_str(speed_text(bar.n, bar.total, now - first_done[0]))
        if report is not None:
            try:
                report.add(outcome)
            except ReportError as e:  # the batch goes on; what was lost is said at the end
                report, report_error[:] = None, [e]

    for entry in skipped:  # the report lists what was passed over, and why
        if report is not None:
            try:
                report.add(entry)
            except ReportError as e:
                report, report_error[:] = None, [e]
    interrupted, outcomes = False, []
    try:
        outcomes = skipped + run_batch(colorizer, jobs, options, progress)
    except KeyboardInterrupt:
        interrupted = True
    bar.close()
    if report is not None:
        try:
            report.close()
        except ReportError as e:
            report_error[:] = [e]
    if interrupted:
        print("colorize: interrupted; finished files are complete (and in the report), re-run with --skip-existing "
              "for the rest", file=sys.stderr)  # fmt: skip
        return 130
    counts = {s: sum(o.status == s for o in outcomes) for s in ("done", "skipped", "failed")}
    where = f"report: {text_of(str(report.csv_path))}" if report is not None else "no report"
    print(f"done {counts['done']}, skipped {counts['skipped']}, failed {counts['failed']}  ({where})")
    for o in outcomes:
        if o.status == "failed":
            print(f"  failed: {text_of(o.source)}: {text_of(o.reason)}")
        elif o.status == "skipped" and not o.output:
            print(f"  passed over: {text_of(o.source)}: {text_of(o.reason)}")
        elif o.notes:
            print(f"  note: {text_of(o.source)}: {text_of('; '.join(o.notes))}")
    if report_error:
        print(f"colorize: error: {report_error[0]}; the outputs above are complete, the report is not", file=sys.stderr)
        return 1
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
