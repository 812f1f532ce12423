"""``python -m consent_inspector ARGS``: the command, as ``consent-inspector ARGS``."""

from ._cli import main

main()
