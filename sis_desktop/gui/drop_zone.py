"""The file list the user drops SIS files on (or fills with "Choose files…").

Accepts existing `.csv` files (any number; they are bundled into one zip on upload) or one
`.zip` on its own. Everything else is refused with one sentence shown inline.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from .file_dialogs import open_file_dialog
from . import icons

ACCEPTED = (".csv", ".zip")


def human_size(size: float) -> str:
    """1536 → '1.5 KB' (decimal units, as file managers show them)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover


def disk_refusal(path: Path) -> str | None:
    """Why `path` cannot be sent, judging the file itself (touches the disk: worker only)."""
    name = path.name or str(path)
    if path.is_dir():
        return f"{name} is a folder; drop the .csv or .zip files inside it instead."
    if not path.exists():
        return f"{name} does not exist any more; choose it again."
    if path.suffix.lower() not in ACCEPTED:
        return f"{name} is not a .csv or .zip file; SIS imports take only those."
    if not os.access(path, os.R_OK):
        return f"{name} cannot be read; check its permissions."
    return None


def list_refusal(path: Path, chosen: list[Path]) -> str | None:
    """Why the (resolved) `path` cannot join the (resolved) `chosen` files; no disk access."""
    name = path.name or str(path)
    if any(p == path for p in chosen):
        return f"{name} is already in the list."
    if any(p.name.lower() == name.lower() for p in chosen):
        return f"Another file called {name} is already in the list; rename one of them."
    is_zip = path.suffix.lower() == ".zip"
    if is_zip and chosen:
        return f"{name} is a zip, which is sent on its own; clear the list first."
    if chosen and chosen[0].suffix.lower() == ".zip":
        return f"{chosen[0].name} is sent on its own; clear the list to send CSV files instead."
    return None


def check_paths(raw_paths: list[str]) -> list[tuple[Path, int | None, str | None]]:
    """Worker: (resolved path, size, refusal) per path given, from the disk."""
    out: list[tuple[Path, int | None, str | None]] = []
    for raw in raw_paths:
        path = Path(raw).expanduser()
        try:
            reason = disk_refusal(path)
            resolved = path.resolve() if reason is None else path
            size = resolved.stat().st_size if reason is None else None
        except OSError as exc:
            reason = f"{path.name or path} cannot be read ({exc.strerror or exc})."
            resolved, size = path, None
        out.append((resolved, size, reason))
    return out


class DropZone(QWidget):
    """Chosen SIS files with sizes; emits `files_changed(list[str])` whenever they change."""

    files_changed = Signal(list)
    paths_checked = Signal(list)  # the refusal sentences of each add_paths (after its check)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setAccessibleName("Files to upload")
        self._paths: list[Path] = []
        self._sizes: dict[Path, int] = {}  # read on the worker that checked each file
        self._extra_refusals: list[str] = []

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
        return sum(self._sizes.get(p, 0) for p in self._paths)

    def add_paths(self, paths: list[str]) -> Any:
        """Check the paths on a worker (the disk may be slow, a network share), then add
        what is acceptable and show the refusal sentences for the rest (`paths_checked`).
        Returns the task."""
        from . import tasks
        task = tasks.CallTask(check_paths, [str(p) for p in paths])
        task.finished.connect(self._paths_checked)
        task.failed.connect(lambda sentence: self._finish_check([sentence]))
        return tasks.start(task, self)

    def _paths_checked(self, checked: list[tuple[Path, int | None, str | None]]) -> None:
        refusals: list[str] = []
        added = False
        for path, size, reason in checked:
            reason = reason or list_refusal(path, self._paths)
            if reason:
                refusals.append(reason)
            else:
                self._paths.append(path)
                self._sizes[path] = size or 0
                added = True
        if added:
            self._refresh()
            self.files_changed.emit(self.paths())
        self._finish_check(refusals)

    def _finish_check(self, refusals: list[str]) -> None:
        self._show_message(refusals + self._extra_refusals)
        self._extra_refusals = []
        self.paths_checked.emit(refusals)

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
        """The file chooser, window-modal but without a nested event loop (`open()`)."""
        open_file_dialog(self, "Choose SIS files", "SIS files (*.csv *.zip);;All files (*)",
                         self.add_paths, object_name="chooseFilesDialog", multiple=True)

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
        if len(local) < len(urls):
            self._extra_refusals = ["Links that are not local files were left out."]
        self.add_paths(local)

    # ---- display --------------------------------------------------------------------
    def _refresh(self) -> None:
        self.list.clear()
        for path in self._paths:
            is_zip = path.suffix.lower() == ".zip"
            item = QListWidgetItem(icons.zip_icon() if is_zip else icons.csv_icon(),
                                   f"{path.name}    {human_size(self._sizes.get(path, 0))}")
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
