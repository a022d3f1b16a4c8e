"""Entry point of the bundled `sis-desktop` (the GUI), for PyInstaller."""
from sis_desktop.gui.app import main

raise SystemExit(main())
