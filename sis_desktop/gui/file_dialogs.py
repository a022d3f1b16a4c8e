"""One way to ask for a file: a window-modal QFileDialog opened with `open()` (no nested
event loop), deleted when closed, reporting the choice through a callback."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget


def open_file_dialog(parent: QWidget, title: str, filters: str, on_chosen: Callable[[Any], Any],
                     *, object_name: str, save_as: str | None = None,
                     default_suffix: str | None = None, multiple: bool = False) -> QFileDialog:
    """Open the chooser; `on_chosen(path)` (or `on_chosen(paths)` with `multiple`) runs once
    the user picks something. `save_as` makes it a save dialog proposing that name."""
    dialog = QFileDialog(parent, title, "", filters)
    dialog.setObjectName(object_name)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if save_as is not None:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(save_as)
        if default_suffix:
            dialog.setDefaultSuffix(default_suffix)
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles if multiple
                           else QFileDialog.FileMode.ExistingFile)
    if multiple:
        dialog.filesSelected.connect(lambda paths: paths and on_chosen(list(paths)))
    else:
        dialog.fileSelected.connect(lambda path: path and on_chosen(path))
    dialog.open()
    return dialog
