"""Parse a notice's text into `kg.model.Notice`.

    parse_file(path) -> Notice    reads a .txt/.html/.docx file through kg.readers
    parse_text(text, name) -> Notice

Both raise only `kg.errors.KgError`; anything short of unreadable input becomes a warning in
`Notice.problems`, and a text with no tasks still yields a Notice (validation decides refusal).
"""

from kg.parse.parser import parse_file, parse_text

__all__ = ["parse_file", "parse_text"]
