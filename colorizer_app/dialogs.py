"""Dialogs: folder export with progress, the model card, about."""

from __future__ import annotations

import html
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from model.inference.batch import BatchOptions
from model.inference.photo_settings import SettingsStore
from model.lab.median import describe_readout


def _folder_row(edit: QLineEdit, title: str, parent: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    browse = QPushButton("Browse…")
    browse.clicked.connect(lambda: edit.setText(QFileDialog.getExistingDirectory(parent, title, edit.text()) or edit.text()))
    layout.addWidget(browse)
    return row


class ExportDialog(QDialog):
    """Choose input folder, output folder, temperature and format for a batch."""

    def __init__(self, parent=None, folder: str = "", temperature: float = 0.38):
        super().__init__(parent)
        self.setWindowTitle("Export folder")
        self.input_edit = QLineEdit(folder)
        self.output_edit = QLineEdit(str(Path(folder) / "colorized") if folder else "")
        self.recursive = QCheckBox("Include sub-folders")
        self.recursive.setChecked(True)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 1.0)
        self.temperature.setDecimals(3)
        self.temperature.setSingleStep(0.02)
        self.temperature.setValue(temperature)
        self.format = QComboBox()
        self.format.addItems(["keep", "png", "jpg", "tiff", "webp"])
        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.quality.setValue(92)
        self.overwrite = QCheckBox("Replace existing outputs (otherwise they are skipped)")
        self.use_saved = QCheckBox("Use each photo's own settings where it has them (temperature, adjustments, hints)")
        self.use_saved.setChecked(True)
        form = QFormLayout()
        form.addRow("Photos in:", _folder_row(self.input_edit, "Folder of photos", self))
        form.addRow("", self.recursive)
        form.addRow("Save to:", _folder_row(self.output_edit, "Output folder", self))
        form.addRow("Temperature:", self.temperature)
        form.addRow("Format:", self.format)
        form.addRow("JPEG/WebP quality:", self.quality)
        form.addRow("", self.overwrite)
        form.addRow("", self.use_saved)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._output_follows = True  # until the user types or picks an output folder of their own
        self.input_edit.textChanged.connect(self._follow_input)
        self.output_edit.textEdited.connect(lambda _text: setattr(self, "_output_follows", False))

    def _follow_input(self, folder: str) -> None:
        if self._output_follows:
            self.output_edit.setText(str(Path(folder) / "colorized") if folder.strip() else "")

    def options(self) -> BatchOptions:
        return BatchOptions(
            temperature=self.temperature.value(),
            fmt=self.format.currentText(),
            quality=self.quality.value(),
            existing="overwrite" if self.overwrite.isChecked() else "skip",
            recursive=self.recursive.isChecked(),
            saved=SettingsStore() if self.use_saved.isChecked() else None,
        )


class BatchProgress(QProgressDialog):
    """Current file, count and ETA; Cancel stops after the file in hand."""

    def __init__(self, total: int, parent=None):
        super().__init__("Starting…", "Cancel", 0, total, parent)
        self.setWindowTitle("Exporting")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.total = total
        self.started = time.monotonic()

    def advance(self, done: int, source: str) -> None:
        self.setValue(done)
        elapsed = time.monotonic() - self.started
        eta = elapsed / max(1, done) * (self.total - done)
        self.setLabelText(f"{Path(source).name}\n{done} of {self.total}, about {eta:.0f} s left")


LABELS = {"lr": "Learning rate", "crop": "Crop (px)"}


def training_facts(training: dict) -> list[tuple[str, str]]:
    """The card's training record in words: 'Images seen' 80,000, 'Wall time' 1 h 25 min."""
    rows = []
    for key, value in training.items():
        phases = key.endswith("_all_phases")
        name = key.removesuffix("_all_phases")
        if name.endswith("_s") and isinstance(value, (int, float)):
            name, value = name[:-2], duration(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:,}"
        label = LABELS.get(name, name.replace("_", " ").capitalize()) + (" (all phases)" if phases else "")
        rows.append((label, str(value)))
    return rows


def duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def card_html(card: dict) -> str:
    """The model card as readable HTML."""
    e = html.escape
    rows = [f"<h2>{e(str(card.get('title', card.get('name', 'Model'))))}</h2>"]
    facts = {
        "Architecture": card.get("architecture", card.get("arch")),
        "Default temperature": card.get("default_T"),
        "Readout": describe_readout(card.get("readout")),
        "Rebalancing lambda": card.get("lambda"),
        "Weights": Path(card["path"]).name if card.get("path") else None,  # not the folders of this machine
    }
    rows.append(
        "<table cellpadding='3'>"
        + "".join(f"<tr><td><b>{e(k)}</b></td><td>{e(str(v))}</td></tr>" for k, v in facts.items() if v is not None)
        + "</table>"
    )
    training = card.get("training")
    if isinstance(training, dict):
        rows.append(
            "<h3>Training</h3><table cellpadding='3'>"
            + "".join(f"<tr><td nowrap>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in training_facts(training))
            + "</table>"
        )
    metrics = card.get("metrics")
    if isinstance(metrics, dict):
        columns = ("", "set", "raw", "rebal.", "colourful", "rebal. − Gray", "recognised")  # AuC; 90 % interval; top-1 %
        head = "".join(f"<th nowrap align='left'>{h}</th>" for h in columns)
        rows.append(f"<h3>Evaluation</h3><table cellpadding='3'><tr>{head}</tr>")
        for name, sets in metrics.items():
            for set_name, m in sets.items():
                cells = [m.get("auc_raw"), m.get("auc_rebalanced"), m.get("colourfulness_ratio")]
                text = "".join(
                    f"<td>{v:.{d}f}</td>" if isinstance(v, (int, float)) else "<td></td>" for v, d in zip(cells, (1, 1, 2))
                )
                ci = m.get("vs_gray_90ci", {}).get("rebalanced_90ci")
                text += f"<td>{ci[0]:+.1f} .. {ci[1]:+.1f}</td>" if ci else "<td></td>"
                recognised = m.get("recognition", {}).get("top1_agreement")
                text += f"<td>{recognised:.0f}</td>" if recognised is not None else "<td></td>"
                rows.append(f"<tr><td>{e(name)}</td><td>{e(set_name)}</td>{text}</tr>")
        rows.append("</table><p><small>raw, rebal.: AuC of the ab-error CMF in %, raw and class-rebalanced; colourful: "
                    "colourfulness over the truth's; rebal. − Gray: the 90% interval of the rebalanced margin over Gray "
                    "on resampled photos; recognised: how often an ImageNet classifier names the result as it names "
                    "the original, top-1 %.</small></p>")  # fmt: skip
        share = card.get("largest_image_share_of_rebalanced_weight")
        if isinstance(share, dict):
            rows.append(
                "<p>Intervals: bootstrap over photos. The rebalanced AuC weighs rare colours heavily; the single heaviest "
                "photo holds " + ", ".join(f"{v:.0%} of the weight in {e(k)}" for k, v in share.items()) + ".</p>"
            )
        if card.get("recognition_by"):
            rows.append(
                f"<p>Recognised: how often the {e(card['recognition_by'])} gives a photo shown this way the class "
                "it gives the colour original (the paper's semantic-interpretability test, without labels).</p>"
            )
    sweep = card.get("temperature_sweep_val")
    if isinstance(sweep, dict):
        rows.append(f"<h3>Temperature sweep (validation set)</h3><p>{e(str(card.get('temperature_rule', '')))}</p>")
        head = "".join(f"<th>{h}</th>" for h in ("T", "AuC raw", "AuC rebalanced", "colourfulness ratio"))
        body = "".join(
            f"<tr><td>{e(k[2:])}</td><td>{v['auc_raw']:.1f}</td><td>{v['auc_rebalanced']:.1f}</td>"
            f"<td>{v.get('colourfulness_ratio', 0):.2f}</td></tr>"
            for k, v in sweep.items()
        )
        rows.append(f"<table cellpadding='3'><tr>{head}</tr>{body}</table>")
    if card.get("data_terms"):
        rows.append(f"<h3>Training data and terms</h3><p>{e(card['data_terms'])}</p>")
    if card.get("notes"):
        rows.append(f"<h3>Notes</h3><p>{e(str(card['notes']))}</p>")
    return "\n".join(rows)


class ModelCardDialog(QDialog):
    def __init__(self, card: dict, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Model card")
        self.resize(620, 560)
        view = QTextBrowser()
        view.setHtml(card_html(card))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(view)
        layout.addWidget(buttons)
