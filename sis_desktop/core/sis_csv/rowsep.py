"""Ruby's CSV row separator, as Canvas meets it.

Canvas parses with Ruby's CSV and its default `row_sep: :auto`: the separator is decided once
per file from the first line break in it ("\\r\\n" when a CR is directly followed by LF,
otherwise the first of CR or LF). After that, any other CR or LF outside a quoted field is an
error ("Unquoted fields do not allow new line …"), which Canvas reports as "Malformed CSV".
Python's csv module takes every CR, LF and CRLF as a line end, so the validator checks this
on the text itself, chunk by chunk, with a fast path for chunks holding no stray break.

A quote character flips "inside a quoted field": in a file Ruby accepts, quotes only open,
close or double up inside quoted fields, so the parity of the quotes seen so far says whether
a position is inside one.
"""
from __future__ import annotations

import re

_TOKENS = re.compile(r'["\r\n]')
NAMES = {"\n": "LF", "\r": "CR", "\r\n": "CRLF"}


class StrayLineBreak(Exception):
    """A CR or LF that is not the file's row separator, outside quotes. `lines_before`: line
    breaks of the chunk before it (less the CRLFs earlier chunks split, which a line-counting
    reader counted twice); `explain(first_line)` is the sentence, given the number of the
    chunk's first line as the reader counted it."""

    def __init__(self, char: str, sep: str, lines_before: int):
        super().__init__(char, sep, lines_before)
        self.char, self.sep, self.lines_before = char, sep, lines_before

    def explain(self, first_line: int) -> str:
        return (f"Line {first_line + self.lines_before} holds a {NAMES[self.char]} line break "
                f"outside quotes, but this file's lines end in {NAMES[self.sep]}; Canvas reads "
                f"the line ending once per file and rejects the file as Malformed CSV. Save it "
                f"with one kind of line ending, or put the field in double quotes.")

    def __str__(self) -> str:
        return self.explain(1)


class RowSeparator:
    """Feed the file's text in order (`feed`); raises StrayLineBreak at the first stray break.
    Chunks without a stray break cost a few memchr-speed scans (no per-character loop)."""

    def __init__(self) -> None:
        self.sep: str | None = None
        self.inside = False      # within a quoted field
        self.pending_cr = False  # CRLF file: the text so far ended in a CR outside quotes
        self.split_pairs = 0     # CRLFs cut between two chunks (the csv reader counts 2 lines)

    def feed(self, text: str) -> None:
        if not text:
            return
        if self.sep is None:
            self.sep = self._detect(text)
            if self.sep is None:  # no line break yet (or only a CR at the very end)
                if text[-1] == "\r":  # Ruby looks at the raw text, quotes or not
                    self.sep, self.pending_cr = "\r?", not self.inside
                self._flip(text)
                return
        if self.sep == "\r?":  # decided by the first character after that CR
            self.sep = "\r\n" if text[0] == "\n" else "\r"
            if self.sep == "\r":
                self.pending_cr = False
        if self._clean(text):
            self._flip(text)
            return
        self._scan(text)

    def _flip(self, text: str) -> None:
        if '"' in text and text.count('"') % 2:
            self.inside = not self.inside

    @staticmethod
    def _detect(text: str) -> str | None:
        lf, cr = text.find("\n"), text.find("\r")
        if cr == -1 and lf == -1:
            return None
        if cr == -1 or (lf != -1 and lf < cr):
            return "\n"
        if cr + 1 < len(text):
            return "\r\n" if text[cr + 1] == "\n" else "\r"
        return None  # a CR at the end: the next character decides

    def _clean(self, text: str) -> bool:
        """True when the chunk cannot hold a stray break (the common case)."""
        if self.pending_cr:
            return False
        if self.sep == "\n":
            return "\r" not in text
        if self.sep == "\r":
            return "\n" not in text
        data = text.encode()  # bytes.count is faster than str.count
        lfs = data.count(b"\n")
        return data.count(b"\r") == lfs and data.count(b"\r\n") == lfs

    def _scan(self, text: str) -> None:
        sep = self.sep
        cr_at = -1 if self.pending_cr else None  # position of a CR waiting for its LF
        for match in _TOKENS.finditer(text):
            char, at = match.group(), match.start()
            if cr_at is not None:
                if char == "\n" and at == cr_at + 1:
                    self.split_pairs += cr_at == -1
                    cr_at = None
                    continue
                self._stray("\r", text, cr_at)
            if char == '"':
                self.inside = not self.inside
            elif self.inside or char == sep:
                continue
            elif sep == "\r\n" and char == "\r":
                cr_at = at
            else:
                self._stray(char, text, at)
        self.pending_cr = cr_at is not None
        if self.pending_cr and cr_at != len(text) - 1:
            self._stray("\r", text, cr_at)

    def _stray(self, char: str, text: str, at: int) -> None:
        raise StrayLineBreak(char, self.sep,
                             text.count(self.sep[-1], 0, max(at, 0)) - self.split_pairs)
