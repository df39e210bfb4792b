"""The ftcurate desktop app (PySide6). The only package that imports Qt; all logic lives in `ftcurate.core`."""
