"""Exit codes of the `cccd` command line, so a script or a cron job can tell "retry later"
from "fix the file" from "fix the command".

| code | meaning | a script should |
|---|---|---|
| 0 | done | carry on |
| 2 | refused input: a file, a backup or a target the command will not take as it is (the reason, in Vietnamese, on stderr); nothing was changed | fix the input, not retry |
| 3 | the database is unavailable, locked, busy or out of disk space; nothing was changed | retry later (or free space) |
| 4 | wrong usage (unknown option, bad argument) or no permission (a file or folder that cannot be read or written) | fix the command or the permissions |

1 is left to Python itself (an uncaught error: a bug, which should never happen).  Every
command maps its failures through `code_for`, so one exception means one code everywhere.
"""

from __future__ import annotations

DONE = 0
REFUSED = 2
UNAVAILABLE = 3
USAGE = 4


class Refused(Exception):
    """Input the command will not take as it is, with a Vietnamese message (exit code 2)."""

    exit_code = REFUSED


class UsageError(Exception):
    """Bad arguments or missing permissions, with a Vietnamese message (exit code 4)."""

    exit_code = USAGE


def code_for(exc: BaseException) -> int:
    """The exit code for an error a command reports to the user instead of a traceback.

    An exception may carry its own `exit_code` (StoreError and its kinds do); a file or
    folder the process may not read or write is a permissions problem (4); everything
    else the commands catch is input they refuse (2)."""
    code = getattr(exc, "exit_code", None)
    if isinstance(code, int):
        return code
    if isinstance(exc, PermissionError):
        return USAGE
    return REFUSED
