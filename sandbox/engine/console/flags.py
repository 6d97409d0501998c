"""Boolean flags as kubectl's flag library reads them: `--flag`, `--flag=<bool>`, where the
value is what Go's `strconv.ParseBool` accepts (`1 t T TRUE true True`, `0 f F FALSE false
False`). Anything else is pflag's `invalid argument "<v>" for "<flag>" flag: strconv.ParseBool:
parsing "<v>": invalid syntax`, the flag named with its shorthand first when it has one
(`"-w, --watch"`), as pflag's `FlagSet.Set` words it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..reference import go_quote

if TYPE_CHECKING:
    from ..kubectl.shell_words import Word

TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def bool_flag(name: str, value: str, flags: dict[str, str], word: Word) -> str:
    """The flag's key for `_Args.flags`: `<key>` when true, `no-<key>` when false (so a command
    can tell an explicit `--show-events=false` from no flag at all)."""
    key = flags[name]
    if value in TRUE:
        return key
    if value in FALSE:
        return "no-" + key
    from .commands import _Usage
    spellings = [alias for alias, other in flags.items() if other == key]
    short = next((alias for alias in spellings if len(alias) == 2), None)
    long = next((alias for alias in spellings if alias.startswith("--")), name)
    shown = f"{short}, {long}" if short else long
    quoted = go_quote(value)  # pflag and strconv both quote with %q
    raise _Usage(f'error: invalid argument {quoted} for "{shown}" flag: strconv.ParseBool: '
                 f"parsing {quoted}: invalid syntax", word)
