"""The ``consent-inspector`` command, shipped in the wheel (built from the same crate and
installed beside the interpreter, as a script of the wheel's data: README.md, "Scale out"),
so a Python user needs no Rust toolchain to run it. ``python -m consent_inspector ARGS`` runs it
too."""

import os
import shutil
import sys
import sysconfig

NAME = "consent-inspector"


def executable():
    """The installed command's path, or None when the wheel was built without it."""
    schemes = [None, f"{os.name}_user"]
    for scheme in schemes:
        try:
            where = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        exe = os.path.join(where, NAME)
        if os.access(exe, os.X_OK):
            return exe
    return shutil.which(NAME)


def main():
    exe = executable()
    if exe is None:
        sys.exit(
            "consent-inspector: the command is not installed: the wheel was built without it "
            "(copy target/release/consent-inspector into target/wheel-data/scripts/ first)"
        )
    os.execv(exe, [exe] + sys.argv[1:])
