"""Files shipped with SIS Desktop (icons, sample SIS files, the Linux .desktop entry).

This folder is installed as the package `sis_desktop.resources`; read it through
`sis_desktop.core.bundled` (importlib.resources), never through a path of the checkout."""
