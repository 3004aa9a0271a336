"""The paper's third test, "real or colourised?": a colour photo and the colourisation of its grey
version side by side for about a second; the rater picks the real one. The fooling rate is the
share of trials where the colourisation was picked (50 % would be perfect; the paper's model
fooled its Mechanical Turk raters 20.4 % of the time).

This module plans the trials (each photo's real side drawn at random, balanced left/right),
writes them as one self-contained HTML page that raters open in any browser (photos embedded,
nothing fetched), reads the answers files that page saves, and pools them with a 95 % Wilson
interval.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

ANSWERS_FORMAT = "colorizer-turing-answers/1"
SIDES = ("left", "right")


class AnswersError(ValueError):
    """An answers file that cannot be scored, with the reason."""


def plan_trials(colorizer, files: list[Path], T: float, seed: int = 0) -> list[Trial]:
    """Each colour photo against the colourisation of its grey version, the real one's side drawn
    at random (balanced); the same seed plans the same test."""
    from model.io.images import load_image

    trials = []
    for f, side in zip(files, balanced_sides(len(files), seed)):
        image = load_image(f)
        with Image.open(f) as im:
            real = np.asarray(im.convert("RGB"))
        fake = colorizer.compose(colorizer.predict(image.L), image.L, T)
        trials.append(Trial(f.name, side, real, fake))
    return trials


@dataclass
class Trial:
    id: str
    real_side: str  # left | right
    real: np.ndarray  # uint8 RGB
    fake: np.ndarray


def balanced_sides(n: int, seed: int) -> list[str]:
    """n sides, half left and half right (one more of a random side when n is odd), shuffled."""
    rng = random.Random(seed)
    sides = [SIDES[i % 2] for i in range(n)]
    if n % 2:
        sides[-1] = rng.choice(SIDES)
    rng.shuffle(sides)
    return sides


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion (good at small n and near 0 or 1)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _jpeg_data_uri(rgb: np.ndarray, side: int = 384) -> str:
    im = Image.fromarray(rgb)
    im.thumbnail((side, side), Image.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def write_html(trials: list[Trial], out: Path, test_id: str, show_ms: int = 1000, title: str = "Real or colourised?") -> Path:
    """One HTML file holding every photo; the page times each pair, records the answers and offers
    them as a JSON file to send back. No script, font or image is fetched from anywhere."""
    data = [
        {"id": t.id, "real_side": t.real_side,
         "left": _jpeg_data_uri(t.real if t.real_side == "left" else t.fake),
         "right": _jpeg_data_uri(t.fake if t.real_side == "left" else t.real)}
        for t in trials
    ]  # fmt: skip
    page = _PAGE.replace("__TITLE__", html.escape(title)).replace("__SHOW_MS__", str(int(show_ms)))
    page = page.replace("__TEST_ID__", json.dumps(test_id)).replace("__FORMAT__", json.dumps(ANSWERS_FORMAT))
    page = page.replace("__TRIALS__", json.dumps(data).replace("</", "<\\/"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def read_answers(path: Path, test_id: str | None = None) -> tuple[str, list[dict]]:
    """The test id and trials of one answers file, checked; AnswersError says what is wrong with it."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise AnswersError(f"{path}: not a readable answers file ({type(e).__name__}: {e})") from e
    if not isinstance(doc, dict) or doc.get("format") != ANSWERS_FORMAT:
        raise AnswersError(f"{path}: not an answers file of this test (format {ANSWERS_FORMAT!r} expected)")
    if test_id is not None and doc.get("test_id") != test_id:
        raise AnswersError(f"{path}: answers to another test ({doc.get('test_id')!r}, not {test_id!r})")
    trials = doc.get("trials")
    if not isinstance(trials, list) or not trials:
        raise AnswersError(f"{path}: holds no answered trials")
    for i, t in enumerate(trials):
        if not isinstance(t, dict) or t.get("real_side") not in SIDES or t.get("answer") not in SIDES or not t.get("id"):
            raise AnswersError(f"{path}: trial {i + 1} is damaged (needs id, real_side and answer left/right)")
    return str(doc.get("test_id")), trials


def score(answered: list[dict]) -> dict:
    """Fooling rate of answered trials (dicts with id, real_side, answer), its 95 % interval, and
    each photo's outcomes."""
    per_photo: dict[str, list[int]] = {}
    for t in answered:
        per_photo.setdefault(t["id"], []).append(int(t["answer"] != t["real_side"]))
    fooled, n = sum(sum(v) for v in per_photo.values()), len(answered)
    lo, hi = wilson_interval(fooled, n)
    return {
        "trials": n,
        "fooled": fooled,
        "fooling_rate": round(fooled / n, 4) if n else 0.0,
        "interval_95": [round(lo, 4), round(hi, 4)],
        "per_photo": {k: {"shown": len(v), "fooled": sum(v)} for k, v in sorted(per_photo.items())},
    }


class TuringRun:
    """A test in progress in the app: the trials in order and the answers given so far."""

    def __init__(self, trials: list[Trial]):
        self.trials, self.answers = trials, []

    @property
    def done(self) -> bool:
        return len(self.answers) >= len(self.trials)

    def current(self) -> Trial:
        return self.trials[len(self.answers)]

    def answer(self, side: str) -> None:
        if side not in SIDES or self.done:
            raise ValueError(f"no trial waits for an answer {side!r}")
        t = self.current()
        self.answers.append({"id": t.id, "real_side": t.real_side, "answer": side})

    def result(self) -> dict:
        return score(self.answers)

    def csv_text(self) -> str:
        lines = ["photo,real_side,answer,fooled"]
        for a in self.answers:
            name = a["id"].replace('"', '""')
            lines.append(f'"{name}",{a["real_side"]},{a["answer"]},{int(a["answer"] != a["real_side"])}')
        return "\n".join(lines) + "\n"


def pool(paths: list[Path]) -> dict:
    """The fooling rate of every rater's answers together, with its 95 % interval, and per photo."""
    answered, raters, test_ids = [], 0, set()
    for path in paths:
        doc_id, trials = read_answers(path)
        test_ids.add(doc_id)
        raters += 1
        answered += trials
    if len(test_ids) > 1:
        raise AnswersError(f"the answers files belong to {len(test_ids)} different tests; pool one test at a time")
    return {"raters": raters, **score(answered)}


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font-family: sans-serif; background: #777; color: #111; margin: 0; text-align: center; }
#pair { display: flex; justify-content: center; gap: 16px; min-height: 400px; align-items: center; }
#pair img { max-width: 45vw; max-height: 70vh; }
button { font-size: 1.2em; margin: 8px; padding: 8px 24px; }
#intro, #done { max-width: 40em; margin: 2em auto; background: #eee; padding: 1em 2em; text-align: left; }
</style></head><body>
<div id="intro"><h1>__TITLE__</h1>
<p>Each trial shows two versions of a photo for a moment. One is the real colour photograph; the
other was coloured by a computer from a black-and-white copy. Pick the one you think is real:
press the left or right arrow key, or click a button. Take the photos as they come; there is no
going back.</p>
<p>Your name or initials (optional): <input id="rater" size="12"></p>
<button id="start">Start</button></div>
<div id="test" hidden><p id="progress"></p><div id="pair"><img id="left" alt=""><img id="right" alt=""></div>
<p>Which one is real?</p><button id="bl">&larr; Left</button><button id="br">Right &rarr;</button></div>
<div id="done" hidden><h2>Thank you</h2><p id="summary"></p>
<p>Save your answers and send the file back to whoever sent you this page.</p>
<a id="save" download="answers.json"><button>Save answers</button></a></div>
<script>
const TRIALS = __TRIALS__, SHOW_MS = __SHOW_MS__, TEST_ID = __TEST_ID__, FORMAT = __FORMAT__;
let i = -1, answers = [], timer = null, ready = false;
const $ = (id) => document.getElementById(id);
function next() {
  i += 1;
  if (i >= TRIALS.length) return finish();
  const t = TRIALS[i];
  $("progress").textContent = "Photo " + (i + 1) + " of " + TRIALS.length;
  $("left").src = t.left; $("right").src = t.right;
  $("left").style.visibility = $("right").style.visibility = "visible";
  ready = true;
  clearTimeout(timer);
  timer = setTimeout(() => { $("left").style.visibility = $("right").style.visibility = "hidden"; }, SHOW_MS);
}
function answer(side) {
  if (!ready) return;
  ready = false;
  answers.push({id: TRIALS[i].id, real_side: TRIALS[i].real_side, answer: side});
  next();
}
function finish() {
  $("test").hidden = true; $("done").hidden = false;
  const fooled = answers.filter((a) => a.answer !== a.real_side).length;
  $("summary").textContent = "You picked the computer's colouring as real " + fooled + " times out of " + answers.length + ".";
  const doc = {format: FORMAT, test_id: TEST_ID, rater: $("rater").value, show_ms: SHOW_MS, trials: answers};
  $("save").href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 1)], {type: "application/json"}));
}
$("start").onclick = () => { $("intro").hidden = true; $("test").hidden = false; next(); };
$("bl").onclick = () => answer("left");
$("br").onclick = () => answer("right");
document.addEventListener("keydown", (e) => {
  if (e.key === "ArrowLeft") answer("left");
  if (e.key === "ArrowRight") answer("right");
});
</script></body></html>
"""
