"""A mistake of the user's ends as one line on stderr and an exit status, never a traceback.

Every subcommand runs through ``report_errors``: ``UserError`` (raised by the commands for an
unusable option value or a run that failed on its files, its environment or its numbers),
``OSError``, ``MemoryError`` and Ctrl-C become "autograd-core <command>: <what is wrong>" and
the status 2, 1 or 130. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable


class UserError(Exception):
    """A mistake of the user's: reported as one line on stderr, without a traceback.

    ``status`` is the exit status: 2 when an option's value is unusable whatever the files
    hold (argparse's own status for bad options), 1 when the run failed on the files, the
    environment or the numbers (an unwritable --out, a corrupt checkpoint, a missing ``dot``,
    a diverged run), 130 for Ctrl-C.
    """

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def report_errors(
    command: str, function: Callable[[argparse.Namespace], int], args: argparse.Namespace
) -> int:
    """``function(args)``'s exit status; a user error becomes one line on stderr instead.

    Besides ``UserError``, an ``OSError`` (a path that cannot be read or written),
    ``MemoryError`` (e.g. a huge ``--hidden``) and Ctrl-C (status 130) are the user's or the
    machine's, not bugs; any other exception is a bug and keeps its traceback.
    """
    try:
        return function(args)
    except UserError as error:
        message, status = str(error), error.status
    except OSError as error:
        where = f": {error.filename}" if error.filename is not None else ""
        message, status = f"{error.strerror or error}{where}", 1
    except MemoryError as error:
        message, status = f"out of memory: {error}", 1
    except KeyboardInterrupt:
        message, status = "interrupted", 130
    print(f"autograd-core {command}: {' '.join(message.split())}", file=sys.stderr)
    return status


def writable_dir(path: str | os.PathLike[str], option: str = "--out") -> str | os.PathLike[str]:
    """Create the directory ``path`` if needed and check that files can be written in it;
    returns ``path``, or raises a UserError that names ``option``."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise UserError(f"{option} {path} is a file, not a directory")
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise UserError(
            f"{option} {path}: cannot write there ({error.strerror or error})"
        ) from None
    return path
