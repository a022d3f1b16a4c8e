"""Entry point of the bundled `sis-desktop-cli`, for PyInstaller."""
from sis_desktop.cli.main import main

raise SystemExit(main())
