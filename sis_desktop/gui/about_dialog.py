"""AboutDialog: the app's name, version, what it does in one line, its licence, and the
details a bug report needs (PySide6/Qt, Python and platform, keyring backend), gathered on a
worker because naming the keyring may talk to D-Bus."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

import sis_desktop
from . import icons, tasks

DESCRIPTION = ("Upload SIS data to Canvas LMS with pre-flight checks, safe options, "
               "progress and history.")
LICENCE = "Free software under the MIT licence."
MIN_WIDTH = 480  # the box grows further to keep the description on one line


class AboutDialog(QDialog):
    """The About box (opened with `open()`, like every dialog of the app)."""

    details_ready = Signal(str)  # the version details are shown

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("aboutBox")
        self.setWindowTitle(f"About {sis_desktop.APP_NAME}")
        self.setMinimumWidth(MIN_WIDTH)

        icon = QLabel(self)
        icon.setPixmap(icons.app_icon().pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(f"<b>{sis_desktop.APP_NAME}</b> {sis_desktop.__version__}", self)
        self.title.setObjectName("aboutTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.title.setFont(font)
        self.description = QLabel(DESCRIPTION, self)
        self.description.setObjectName("aboutDescription")
        self.licence = QLabel(LICENCE, self)
        self.licence.setObjectName("aboutLicence")
        self.details = QLabel("Gathering version details…", self)
        self.details.setObjectName("aboutDetails")
        self.details.setAccessibleName("Version details")
        self.details.setWordWrap(True)
        for label in (self.title, self.description, self.licence, self.details):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.description)
        text.addWidget(self.licence)
        text.addSpacing(8)
        text.addWidget(self.details)
        text.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(icon)
        body.addSpacing(12)
        body.addLayout(text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setObjectName("aboutOkButton")
        ok.setAccessibleName("Close")
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(buttons)
        self._gather_details()

    def _gather_details(self) -> None:
        from sis_desktop.core.diagnostics import version_lines
        task = tasks.CallTask(lambda: "\n".join(version_lines()))
        task.finished.connect(self._show_details)
        task.failed.connect(self._show_details)
        tasks.start(task, self)

    def _show_details(self, text: str) -> None:
        self.details.setText(text)
        self.details_ready.emit(text)
