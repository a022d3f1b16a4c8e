"""The PySide6 desktop app. Only this package imports Qt; see `tasks.py` for the one
background pattern every widget uses."""
