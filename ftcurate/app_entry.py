"""The desktop entry point (`ftcurate-app`, a gui-script: no console window on Windows).

`ftcurate-app [PROJECT]` is `ftcurate gui [PROJECT]`: the same errors, exit codes and log file.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Open the app on the project named on the command line, if any."""
    from ftcurate.cli import main as cli_main

    return cli_main(["gui", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
