#!/usr/bin/env python3
"""Fails when a header under DIR declares a virtual function: stowage promises none.
The Meson counterpart of tests/no_virtual.cmake.

    no_virtual_check.py DIR

Looks at every *.hpp under DIR, recursively. Like no_virtual.cmake it skips lines that start
with // or * (comment lines and the body of block comments); it also ignores the word in a
trailing // comment or in a /* ... */ comment on the line. Exits 0 when no header says virtual.
"""

import pathlib
import re
import sys

COMMENT_LINE = re.compile(r"^[ \t]*(//|\*)")
WORD = re.compile(r"(^|[^A-Za-z_])virtual([^A-Za-z_]|$)")


def code_of(line):
    """The line without /* ... */ spans and without a trailing // comment."""
    line = re.sub(r"/\*.*?\*/", " ", line)
    return line.split("//", 1)[0]


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} DIR", file=sys.stderr)
        return 2
    root = pathlib.Path(argv[1])
    if not root.is_dir():
        print(f"{root}: not a directory", file=sys.stderr)
        return 2
    headers = sorted(root.rglob("*.hpp"))
    found = []
    for h in headers:
        for number, line in enumerate(h.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if "virtual" in line and not COMMENT_LINE.match(line) and WORD.search(code_of(line)):
                found.append(f"{h}:{number}: {line}")
    if found:
        print("virtual found in include/:\n" + "\n".join(found), file=sys.stderr)
        return 1
    print(f"no virtual in {len(headers)} headers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
