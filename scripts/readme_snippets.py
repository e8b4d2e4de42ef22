#!/usr/bin/env python3
"""Extracts every ```cpp block of a Markdown file into OUTDIR/readme_1.cpp, readme_2.cpp, ...

    readme_snippets.py README.md OUTDIR

A block starts with a line reading ```cpp and ends with the next line reading ``` (leading and
trailing blanks on these two lines are ignored). Each block is meant to be a complete program.
Prints the paths of the generated files, one a line, in the order of the blocks.

A file is only rewritten when its content changes, so a rerun does not make the build system
recompile unchanged examples; readme_*.cpp files in OUTDIR left over from blocks that no
longer exist are removed.
"""

import pathlib
import re
import sys


def blocks(text):
    """The bodies of the ```cpp blocks of text, in order."""
    found = []
    body = None
    start = 0
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        fence = line.strip()
        if body is None:
            if fence == "```cpp":
                body, start = [], number
        elif fence == "```":
            found.append("".join(body))
            body = None
        else:
            body.append(line if line.endswith("\n") else line + "\n")
    if body is not None:
        raise ValueError(f"the ```cpp block starting on line {start} is never closed")
    return found


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} README.md OUTDIR", file=sys.stderr)
        return 2
    readme, outdir = pathlib.Path(argv[1]), pathlib.Path(argv[2])
    try:
        codes = blocks(readme.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"{readme}: {e}", file=sys.stderr)
        return 1
    outdir.mkdir(parents=True, exist_ok=True)
    written = set()
    for n, code in enumerate(codes, 1):
        path = (outdir / f"readme_{n}.cpp").resolve()
        if not path.is_file() or path.read_text(encoding="utf-8") != code:
            path.write_text(code, encoding="utf-8")
        written.add(path.name)
        print(path)
    for stale in outdir.glob("readme_*.cpp"):
        if re.fullmatch(r"readme_[0-9]+\.cpp", stale.name) and stale.name not in written:
            stale.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
