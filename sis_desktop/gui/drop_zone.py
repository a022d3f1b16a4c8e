"""The file list the user drops SIS files on (or fills with "Choose files…").

Accepts existing `.csv` files (any number; they are bundled into one zip on upload) or one
`.zip` on its own. Everything else is refused with one sentence shown inline.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from . import icons

ACCEPTED = (".csv", ".zip")


def human_size(size: float) -> str:
    """1536 → '1.5 KB' (decimal units, as file managers show them)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover


def refusal(path: Path, chosen: list[Path]) -> str | None:
    """Why `path` cannot join `chosen`, as one sentence; None when it can."""
    name = path.name or str(path)
    if path.is_dir():
        return f"{name} is a folder; drop the .csv or .zip files inside it instead."
    if not path.exists():
        return f"{name} does not exist any more; choose it again."
    if path.suffix.lower() not in ACCEPTED:
        return f"{name} is not a .csv or .zip file; SIS imports take only those."
    if not os.access(path, os.R_OK):
        return f"{name} cannot be read; check its permissions."
    if any(p.resolve() == path.resolve() for p in chosen):
        return f"{name} is already in the list."
    if any(p.name.lower() == name.lower() for p in chosen):
        return f"Another file called {name} is already in the list; rename one of them."
    is_zip = path.suffix.lower() == ".zip"
    if is_zip and chosen:
        return f"{name} is a zip, which is sent on its own; clear the list first."
    if chosen and chosen[0].suffix.lower() == ".zip":
        return f"{chosen[0].name} is sent on its own; clear the list to send CSV files instead."
    return None


class DropZone(QWidget):
    """Chosen SIS files with sizes; emits `files_changed(list[str])` whenever they change."""

    files_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setAccessibleName("Files to upload")
        self._paths: list[Path] = []

        self.stack = QStackedWidget(self)
        self.empty_label = QLabel(
            "Drop SIS files here\n\n.csv files (several are bundled into one zip on upload)"
            "\nor one .zip", self)
        self.empty_label.setObjectName("dropEmptyState")
        self.empty_label.setAlignment(Qt.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # the palette's disabled text: muted in light and dark
        font = self.empty_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.empty_label.setFont(font)
        self.list = QListWidget(self)
        self.list.setObjectName("fileList")
        self.list.setAccessibleName("Chosen files")
        self.list.setSelectionMode(QListWidget.ExtendedSelection)
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.list)

        self.note = QLabel(self)
        self.note.setObjectName("bundleNote")
        self.note.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setObjectName("dropMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.message.hide()

        self.choose_button = QPushButton("&Choose files…", self)
        self.choose_button.setObjectName("chooseFilesButton")
        self.choose_button.setAccessibleName("Choose files")
        self.choose_button.setToolTip("Pick .csv files or one .zip (Ctrl+O)")
        self.remove_button = QPushButton("&Remove", self)
        self.remove_button.setObjectName("removeFilesButton")
        self.remove_button.setAccessibleName("Remove selected files")
        self.remove_button.setToolTip("Remove the selected files from the list (Delete)")
        self.clear_button = QPushButton("C&lear", self)
        self.clear_button.setObjectName("clearFilesButton")
        self.clear_button.setAccessibleName("Clear the file list")
        self.choose_button.clicked.connect(self.choose_requested)
        self.remove_button.clicked.connect(self.remove_selected_clicked)
        self.clear_button.clicked.connect(self.clear)

        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._refresh()

    # ---- state ----------------------------------------------------------------------
    def paths(self) -> list[str]:
        return [str(p) for p in self._paths]

    def total_size(self) -> int:
        return sum(_size(p) for p in self._paths)

    def add_paths(self, paths: list[str]) -> list[str]:
        """Add what is acceptable; show and return the refusal sentences for the rest."""
        refusals: list[str] = []
        added = False
        for raw in paths:
            path = Path(raw).expanduser()
            reason = refusal(path, self._paths)
            if reason:
                refusals.append(reason)
            else:
                self._paths.append(path.resolve())
                added = True
        self._show_message(refusals)
        if added:
            self._refresh()
            self.files_changed.emit(self.paths())
        return refusals

    def clear(self) -> None:
        self._show_message([])
        if self._paths:
            self._paths = []
            self._refresh()
            self.files_changed.emit([])

    def remove_selected_clicked(self) -> None:
        rows = sorted({self.list.row(i) for i in self.list.selectedItems()}, reverse=True)
        if not rows:
            return
        for row in rows:
            del self._paths[row]
        self._show_message([])
        self._refresh()
        self.files_changed.emit(self.paths())

    def choose_requested(self) -> None:
        from PySide6.QtWidgets import QFileDialog
        names, _ = QFileDialog.getOpenFileNames(
            self, "Choose SIS files", "", "SIS files (*.csv *.zip);;All files (*)")
        if names:
            self.add_paths(names)

    # ---- drag and drop ------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        local = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if not local:
            self._show_message(["Only files on this computer can be dropped here."])
            event.ignore()
            return
        event.acceptProposedAction()
        refusals = self.add_paths(local)
        if len(local) < len(urls):
            self._show_message(refusals + ["Links that are not local files were left out."])

    # ---- display --------------------------------------------------------------------
    def _refresh(self) -> None:
        self.list.clear()
        for path in self._paths:
            is_zip = path.suffix.lower() == ".zip"
            item = QListWidgetItem(icons.zip_icon() if is_zip else icons.csv_icon(),
                                   f"{path.name}    {human_size(_size(path))}")
            item.setToolTip(str(path))
            self.list.addItem(item)
        self.stack.setCurrentWidget(self.list if self._paths else self.empty_label)
        self.remove_button.setEnabled(bool(self._paths))
        self.clear_button.setEnabled(bool(self._paths))
        csvs = [p for p in self._paths if p.suffix.lower() == ".csv"]
        if len(csvs) > 1:
            self.note.setText(f"{len(csvs)} CSV files, {human_size(self.total_size())} in all: "
                              "they are bundled into one zip on upload.")
        elif self._paths:
            self.note.setText(f"One file, {human_size(self.total_size())}.")
        else:
            self.note.setText("")
        self.note.setVisible(bool(self._paths))

    def _show_message(self, sentences: list[str]) -> None:
        self.message.setText("\n".join(sentences))
        self.message.setVisible(bool(sentences))

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt name
        if event.key() == Qt.Key_Delete and self.list.hasFocus():
            self.remove_selected_clicked()
        else:
            super().keyPressEvent(event)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
