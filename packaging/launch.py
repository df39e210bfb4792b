"""Entry point of the packaged desktop app: with no arguments it opens the GUI."""

import sys

from ftcurate.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["gui"]))
