"""Errors users see as one line: what input, where, what is wrong."""

from __future__ import annotations


class PipelineError(Exception):
    """An error the CLI reports as a single line with `exit_code`, never a traceback."""

    exit_code = 1


class InputError(PipelineError):
    """Bad input (a file, a row, an option): exit code 2."""

    exit_code = 2


class StatementError(InputError):
    """One statement cannot be processed; a lenient run lists it and goes on."""
