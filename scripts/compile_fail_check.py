#!/usr/bin/env python3
"""Misuse the compiler must refuse: the Meson counterpart of tests/compile_fail/check.cmake.

    compile_fail_check.py CASE SOURCE [-I DIR]... -- COMPILER [COMPILER ARGS...]

Compiles SOURCE twice with COMPILER -std=c++20 -fsyntax-only -I DIR...: once as is (it must
compile, so the case is not broken for another reason), once with -DSTOWAGE_BREAK_<CASE> (it
must fail, in at most 10 lines of output, and the first error, with its context and notes up to
the next error and without source excerpts, must match every regular expression of the case:
what is wrong, and the record and the field, or the backend).
Exits 0 when all hold, 1 otherwise, 2 on bad usage.
"""

import re
import subprocess
import sys

# Keep in step with tests/compile_fail/check.cmake: (the first error's words, the record, the
# field or backend). CMake's '.' matches a newline too: DOTALL.
EXPECT = {
    "misspelt_field": [r"shcema", r"Event", r"shcema.*Event|Event.*shcema"],
    "wrong_value_type": [r"wrong type", r"Event", r"Event::time[^_]"],
    "foreign_field": [r"another record type", r"Event", r"Other::size"],
    "in_wrong_value_type": [r"wrong type", r"Event", r"Event::time[^_]"],
    "starts_with_not_text": [r"starts_with.*text field", r"Event", r"Event::time[^_]"],
    "like_not_text": [r"like.*text field", r"Event", r"Event::time[^_]"],
    "not_a_field": [r"not a reflected field", r"Event", r"Event::note"],
    "is_null_not_optional": [r"is_null.*std::optional", r"Event", r"Event::schema"],
    "at_not_json": [r"at\(\).*JSON", r"Event", r"Event::schema"],
    "unstorable_field_in_where": [r"cannot be stored", r"Sample", r"Sample::payload"],
    "unstorable_field": [r"cannot be stored", r"Sample", r"Sample::payload"],
    "no_key": [r"no key", r"Sample", r"Sample"],
    "not_reflected": [r"not reflected", r"Sample", r"Sample"],
    "set_key": [r"cannot change a record's key", r"Event", r"Event::id"],
    "set_wrong_value_type": [r"wrong type", r"Event", r"Event::time[^_]"],
    "select_foreign_field": [r"another record type", r"Event", r"Other::size"],
    "in_query_wrong_type": [r"sub-query.*another type", r"Event", r"Other::size"],
    "not_a_backend": [r"not a backend", r"my_backend", r"my_backend"],
}
MAX_LINES = 10
# A diagnostic line (a location, an include or instantiation context), not a source excerpt.
DIAGNOSTIC = re.compile(r"^(In file included from |[ \t]+from |[^ \t].*:[0-9]+:([0-9]+:)? |[^ \t].*: In )")


def first_error(output):
    """The diagnostic lines up to the first one saying error, and those after it up to the next."""
    first, errors = [], 0
    for line in output.splitlines():
        if not DIAGNOSTIC.match(line):
            continue
        if "error" in line:
            errors += 1
        if errors > 1:
            break
        first.append(line)
    return "\n".join(first) + "\n"


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
    lines = bad.stderr.count("\n") + (0 if bad.stderr.endswith("\n") or not bad.stderr else 1)
    if lines > MAX_LINES:
        print(f"{case}: {compiler[0]} refused it in {lines} lines (at most {MAX_LINES}):\n{bad.stderr}",
              file=sys.stderr)
        return 1
    first = first_error(bad.stderr)
    for expect in EXPECT[case]:
        if not re.search(expect, first, re.DOTALL):
            print(f"{case}: the first error of {compiler[0]} does not match '{expect}':\n{first}\n"
                  f"whole output:\n{bad.stderr}", file=sys.stderr)
            return 1
    print(f"{case}: {compiler[0]} refused it as expected, in {lines} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
