"""The error every stage raises for bad input: it names the file, the line, the record and the field."""

from __future__ import annotations

from typing import TypedDict


def _printable(text: str) -> str:
    """``text`` on one line: line breaks become spaces, other unprintable characters escapes (an error line
    must never carry a terminal control sequence or a line break from the input)."""
    text = str(text)
    if text.isprintable():
        return text
    text = " ".join(text.split())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ErrorDict(TypedDict):
    """An error as JSON (``RecordError.as_dict``; the import report lists them)."""

    path: str | None
    line: int | None
    record: str | None
    field: str | None
    message: str


#: the longest message an error keeps (messages quote the value at fault, which may be huge)
MAX_MESSAGE = 1000


class RecordError(Exception):
    """A record (or a whole file) that cannot be imported.

    :param message: what is wrong, in plain words
    :param path: the source file
    :param line: the line (1-based) in the source file, where known
    :param field: the record field at fault (``title``, ``citation``, ``date`` ...)
    :param record: the record's identifier or position, where known
    :param stops_file: the error ends the file (malformed XML or CSV): nothing after it was read
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        record: str | None = None,
        stops_file: bool = False,
    ) -> None:
        if len(message) > MAX_MESSAGE:  # a message quoting a huge value stays readable
            message = message[: MAX_MESSAGE - 1] + "…"
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        self.record = record
        #: the reader could not go on: nothing of the file after this point was read
        self.stops_file = stops_file

    def located(self, *, path: str | None = None, line: int | None = None, record: str | None = None) -> RecordError:
        """Fill in where the error happened, keeping what is already known."""
        self.path = self.path or path
        self.line = self.line or line
        self.record = self.record or record
        return self

    def __str__(self) -> str:
        where = _printable(self.path or "<input>")
        if self.line:
            where += f":{self.line}"
        parts = [where]
        if self.record:
            parts.append(f"record {_printable(self.record)}")
        if self.field:
            parts.append(f"field '{_printable(self.field)}'")
        return ": ".join(parts) + f": {_printable(self.message)}"

    def as_dict(self) -> ErrorDict:
        return {
            "path": self.path,
            "line": self.line,
            "record": self.record,
            "field": self.field,
            "message": self.message,
        }
