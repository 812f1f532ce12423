"""Types of ``consent_inspector``: the names scripts rely on."""

from typing import Any, Union

import pyarrow

__version__: str

Record = dict[str, Any]

class Workspace:
    """Workspace settings, in any shape the tool reads."""

    @staticmethod
    def load(path: str) -> "Workspace":
        """Reads settings; raises ``ValueError`` naming file:line:column and the problem."""
    @property
    def dialect(self) -> str:
        """``"segment"`` or ``"rudderstack"``: whose rules decide."""
    @property
    def destinations(self) -> list[str]: ...

def judge(workspace: Workspace, line: str) -> Union[Record, list[Record]]:
    """The routing record of one line on its own (a list for a batch line)."""

class Engine:
    """Decides lines in order, keeping duplicates and profiles."""

    def __init__(self, workspace: Workspace) -> None: ...
    def ingest(self, line: str) -> Union[Record, list[Record]]:
        """Decides the next line; its routing record (a list for a batch line)."""
    def profiles(self) -> list[Record]:
        """Every profile so far, with its consent history."""

def route_arrow(
    workspace: Workspace, array: Union["pyarrow.Array", "pyarrow.ChunkedArray"]
) -> "pyarrow.RecordBatch":
    """One row per route for each event of a string array of raw event JSON."""
