"""Notifier: tells the user an import ended while they look at another window.

A tray message where the desktop has a tray (the icon is made on first use), otherwise the
window is flagged (`QApplication.alert`). Nothing is shown while the window is active.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

import sis_desktop
from . import icons


class Notifier(QObject):
    notified = Signal(str, str)  # title, message (for tests)

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        self._tray = None  # QSystemTrayIcon, made for the first notification

    def notify(self, title: str, message: str) -> None:
        if self.window.isActiveWindow():
            return
        from PySide6.QtWidgets import QSystemTrayIcon
        if self._tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(icons.app_icon(), self.window)
            self._tray.setObjectName("trayIcon")
            self._tray.setToolTip(sis_desktop.APP_NAME)
            self._tray.activated.connect(self._raise_window)
            self._tray.show()
        if self._tray is not None:
            self._tray.showMessage(title, message, icons.app_icon(), 10000)
        else:
            QApplication.alert(self.window)  # no tray: the desktop flags the window instead
        self.notified.emit(title, message)

    def _raise_window(self, *_: object) -> None:
        self.window.showNormal()
        self.window.activateWindow()

    def hide(self) -> None:
        if self._tray is not None:
            self._tray.hide()
