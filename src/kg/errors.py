"""One error shape for users, from the CLI and HTTP alike.

Every user-facing failure is a `KgError`. The CLI prints `error.render()` on stderr and exits with
`error.exit_code`; the HTTP layer returns `error.to_dict()` as JSON with `error.status`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class KgError(Exception):
    """A problem the user can act on: what went wrong, where (file, line), and how bad."""

    message: str
    code: str = "error"  # short machine name: "refused", "bad-parameter", "not-found", ...
    file: str | None = None
    line: int | None = None
    status: int = 400  # HTTP status
    exit_code: int = 1  # CLI exit status
    details: list[str] = field(default_factory=list)  # e.g. one line per SHACL violation

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def where(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: "
        if self.file:
            return f"{self.file}: "
        return ""

    def render(self) -> str:
        """Human form: `file:line: message` followed by indented details."""
        lines = [f"error: {self.where()}{self.message}"]
        lines += [f"  - {d}" for d in self.details]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON form shared by every HTTP 4xx/5xx answer."""
        return {
            "ok": False,
            "status": self.status,
            "code": self.code,
            "error": self.message,
            "file": self.file,
            "line": self.line,
            "details": self.details,
        }


class NotFound(KgError):
    def __init__(self, message: str, **kw: Any) -> None:
        kw.setdefault("code", "not-found")
        kw.setdefault("status", 404)
        super().__init__(message, **kw)


class Refused(KgError):
    """A document that cannot be stored: nothing was written."""

    def __init__(self, message: str, **kw: Any) -> None:
        kw.setdefault("code", "refused")
        kw.setdefault("status", 422)
        super().__init__(message, **kw)
