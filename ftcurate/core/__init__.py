"""Headless core of ftcurate. Never imports Qt (tests/core/test_headless.py proves it)."""
