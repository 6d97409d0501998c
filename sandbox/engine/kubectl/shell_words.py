"""`split_commands`: pasted shell text split into commands and words, as a POSIX shell splits it.

Single quotes keep everything; double quotes keep everything but `\\` before `$`, `` ` ``, `"`, `\\`
or a newline; an unquoted backslash escapes the next character, and before a newline it joins the
lines. `#` at the start of a word starts a comment. An unquoted newline ends a command.

A shell would expand `$NAME`, `${…}`, `$(…)` and `` `…` `` before kubectl sees them; their value
is unknown here, so they are refused with their position (and without echoing the text, which is
often part of a password). Operators (`|`, `;`, `&&`, `>`, …) become words marked `operator`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..problems import ManifestError, Problem

__all__ = ["Word", "split_commands"]

_OPERATOR_CHARS = ";&|<>()"
_TWO_CHAR_OPERATORS = ("&&", "||", ";;", ">>", "<<", ">&", "<&", "&>")
_EXPANDS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789@*#?$!-{(")
# Characters with no meaning to the shell inside a word, read as one run (`#` too: it starts a
# comment only where a word starts, which `run` checks first).
_ORDINARY = re.compile(r"[^ \t\n\\'\"$`;&|<>()]+")
_BLANKS = re.compile(r"[ \t]+")
MAX_WORDS = 20_000  # in one paste: a learner's commands have a few dozen
_PUT_IN_SINGLE_QUOTES = "a value with `$`, `\"` or `` ` `` goes in single quotes: 'pa$$word'"


@dataclass(frozen=True)
class Word:
    """One word after quote removal, where it starts, and whether any of it was quoted."""

    text: str
    line: int
    column: int
    quoted: bool = False
    operator: bool = False


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1
        self.column = 1
        self.commands: list[list[Word]] = []
        self.words: list[Word] = []
        self.chars: list[str] | None = None  # the word being read; None between words
        self.start = (1, 1)
        self.quoted = False
        self.count = 0  # words read

    def advance(self, count: int = 1) -> None:
        for char in self.text[self.i:self.i + count]:
            if char == "\n":
                self.line, self.column = self.line + 1, 1
            else:
                self.column += 1
        self.i += count

    def append(self, chars: str, *, quoted: bool = False) -> None:
        if self.chars is None:
            self.chars, self.start, self.quoted = [], (self.line, self.column), False
        self.chars.append(chars)
        self.quoted = self.quoted or quoted

    def end_word(self) -> None:
        if self.chars is not None:
            self.words.append(Word("".join(self.chars), *self.start, quoted=self.quoted))
            self.chars = None
            self.count += 1
            if self.count > MAX_WORDS:
                raise self.error(f"more than {MAX_WORDS} words in the pasted commands",
                                 "paste a few commands at a time", *self.start)

    def end_command(self) -> None:
        self.end_word()
        if self.words:
            self.commands.append(self.words)
            self.words = []

    def error(self, message: str, hint: str, line: int | None = None,
              column: int | None = None) -> ManifestError:
        return ManifestError([Problem(message, line or self.line, column or self.column,
                                      hint=hint)])

    def run(self) -> list[list[Word]]:
        while self.i < len(self.text):
            char = self.text[self.i]
            if char in " \t":
                self.end_word()
                blanks = _BLANKS.match(self.text, self.i)
                assert blanks is not None
                self.i, self.column = blanks.end(), self.column + blanks.end() - self.i
            elif char == "\n":
                self.end_command()
                self.advance()
            elif char == "#" and self.chars is None:
                end = self.text.find("\n", self.i)
                self.advance((len(self.text) if end < 0 else end) - self.i)
            elif char == "\\":
                self.backslash()
            elif char == "'":
                self.single_quoted()
            elif char == '"':
                self.double_quoted()
            elif char in "$`":
                self.dollar_or_backtick(char, "'\"")
            elif char in _OPERATOR_CHARS:
                self.operator()
            else:
                run = _ORDINARY.match(self.text, self.i)
                assert run is not None  # `char` is ordinary
                self.append(run.group())
                self.i, self.column = run.end(), self.column + run.end() - self.i
        self.end_command()
        return self.commands

    def backslash(self) -> None:
        following = self.text[self.i + 1:self.i + 2]
        if following == "\n":
            self.advance(2)  # a line continuation
            return
        end = self.i + 1
        while end < len(self.text) and self.text[end] in " \t":
            end += 1
        if end > self.i + 1 and self.text[end:end + 1] == "\n":
            raise self.error("a space follows this backslash, so the command ends here instead "
                             "of continuing on the next line", "delete the spaces after the "
                             "backslash")
        self.append(following or "\\", quoted=True)
        self.advance(2 if following else 1)

    def single_quoted(self) -> None:
        close = self.text.find("'", self.i + 1)
        if close < 0:
            raise self.error("this single quote (') is never closed", "close it; a value that "
                             "contains ' goes in double quotes")
        self.append(self.text[self.i + 1:close], quoted=True)
        self.advance(close + 1 - self.i)

    def double_quoted(self) -> None:
        line, column = self.line, self.column
        self.append("", quoted=True)
        self.advance()
        while True:
            if self.i >= len(self.text):
                raise self.error('this double quote (") is never closed', "close it; a value "
                                 "that contains \" goes in single quotes", line, column)
            char = self.text[self.i]
            following = self.text[self.i + 1:self.i + 2]
            if char == '"':
                self.advance()
                return
            if char == "\\" and following and following in '$`"\\\n':
                self.append("" if following == "\n" else following)
                self.advance(2)
            elif char in "$`":
                self.dollar_or_backtick(char, "")
            else:
                self.append(char)
                self.advance()

    def dollar_or_backtick(self, char: str, quotes: str) -> None:
        following = self.text[self.i + 1:self.i + 2]
        if char == "`" or (following and (following in _EXPANDS or following in quotes)):
            raise self.error(f"`{char}` starts a shell expansion here: a shell would replace it "
                             "before kubectl runs, and its value is unknown here",
                             _PUT_IN_SINGLE_QUOTES)
        self.append(char)
        self.advance()

    def operator(self) -> None:
        self.end_word()
        two = self.text[self.i:self.i + 2]
        text = two if two in _TWO_CHAR_OPERATORS else two[:1]
        self.words.append(Word(text, self.line, self.column, operator=True))
        self.advance(len(text))


def split_commands(text: str) -> list[list[Word]]:
    """The commands of a shell paste, each a list of words; raises ManifestError on bad quoting."""
    return _Lexer(text).run()
