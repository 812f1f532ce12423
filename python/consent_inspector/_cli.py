"""The ``consent-inspector`` command, installed by the package as a script (``[project.scripts]``
in pyproject.toml) that runs the command compiled into the native module: ``pip install .``
builds and installs it with no step before, and a Python user needs no Rust toolchain to run a
built wheel. ``python -m consent_inspector ARGS`` runs it too."""

import signal
import sys

from . import _native


def main():
    # Python turns Ctrl-C into KeyboardInterrupt, which only Python code can see; the command
    # runs in Rust until it returns, so it takes the signal as the standalone binary does.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(_native._main(sys.argv[1:]))
