"""`python -m sis_desktop` starts the GUI."""
from sis_desktop.gui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
