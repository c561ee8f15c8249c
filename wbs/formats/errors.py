"""The one error every plan-file reader raises."""

from __future__ import annotations


class FormatError(ValueError):
    """A plan file that cannot be read: the message names the file part that is wrong."""
