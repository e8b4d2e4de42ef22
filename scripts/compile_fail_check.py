#!/usr/bin/env python3
"""Misuse the compiler must refuse: the Meson counterpart of tests/compile_fail/check.cmake.

    compile_fail_check.py CASE SOURCE [-I DIR]... -- COMPILER [COMPILER ARGS...]

Compiles SOURCE twice with COMPILER -std=c++20 -fsyntax-only -I DIR...: once as is (it must
compile, so the case is not broken for another reason), once with -DSTOWAGE_BREAK_<CASE> (it
must fail, and its diagnostics must match the regular expression of the case).
Exits 0 when both hold, 1 otherwise, 2 on bad usage.
"""

import re
import subprocess
import sys

# Keep in step with tests/compile_fail/check.cmake. CMake's '.' matches a newline too: DOTALL.
EXPECT = {
    "misspelt_field": r"shcema.*Event|Event.*shcema",
    "wrong_value_type": r"wrong type",
    "foreign_field": r"another record type|Other",
}


def usage(why):
    print(f"compile_fail_check.py: {why}\n{__doc__}", file=sys.stderr)
    return 2


def main(argv):
    if "--" not in argv:
        return usage("missing '--' before the compiler")
    split = argv.index("--")
    ours, compiler = argv[1:split], argv[split + 1:]
    if len(ours) < 2 or not compiler:
        return usage("expected CASE SOURCE [-I DIR]... -- COMPILER")
    case, source, rest = ours[0], ours[1], ours[2:]
    if case not in EXPECT:
        return usage(f"unknown case '{case}' (known: {', '.join(EXPECT)})")
    includes = []
    while rest:
        if rest[0] == "-I" and len(rest) > 1:
            includes.append("-I" + rest[1])
            rest = rest[2:]
        elif rest[0].startswith("-I") and len(rest[0]) > 2:
            includes.append(rest[0])
            rest = rest[1:]
        else:
            return usage(f"unexpected argument '{rest[0]}'")

    common = compiler + ["-std=c++20", "-fsyntax-only"] + includes + [source]
    ok = subprocess.run(common, capture_output=True, text=True)
    if ok.returncode != 0:
        print(f"the control program does not compile:\n{' '.join(common)}\n{ok.stderr}", file=sys.stderr)
        return 1

    broken = common + [f"-DSTOWAGE_BREAK_{case.upper()}"]
    bad = subprocess.run(broken, capture_output=True, text=True)
    if bad.returncode == 0:
        print(f"{case}: the broken program compiled:\n{' '.join(broken)}", file=sys.stderr)
        return 1
    expect = EXPECT[case]
    if not re.search(expect, bad.stderr, re.DOTALL):
        print(f"{case}: the compiler failed, but without the expected words '{expect}':\n{bad.stderr}",
              file=sys.stderr)
        return 1
    print(f"{case}: refused as expected ({len(bad.stderr)} bytes of diagnostics)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
