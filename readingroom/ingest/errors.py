"""The error every stage raises for bad input: it names the file, the line, the record and the field."""

from __future__ import annotations


class RecordError(Exception):
    """A record (or a whole file) that cannot be imported.

    :param message: what is wrong, in plain words
    :param path: the source file
    :param line: the line (1-based) in the source file, where known
    :param field: the record field at fault (``title``, ``citation``, ``date`` ...)
    :param record: the record's identifier or position, where known
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        record: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        self.record = record

    def located(self, *, path: str | None = None, line: int | None = None, record: str | None = None) -> RecordError:
        """Fill in where the error happened, keeping what is already known."""
        self.path = self.path or path
        self.line = self.line or line
        self.record = self.record or record
        return self

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line:
            where += f":{self.line}"
        parts = [where]
        if self.record:
            parts.append(f"record {self.record}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ": ".join(parts) + f": {self.message}"

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "record": self.record,
            "field": self.field,
            "message": self.message,
        }
