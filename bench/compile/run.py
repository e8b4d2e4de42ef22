#!/usr/bin/env python3
"""Compile-cost benchmark: what a translation unit using stowage costs to compile.

Each unit in bench/compile/ is compiled to an object file (-std=c++20 -c) with every compiler
and optimization level asked for, several times, in two forms (three for json_fields):

  full       the unit as a user writes it;
  deps-only  the same file built with -DSTOWAGE_BENCH_DEPS_ONLY=<header>, where <header> includes
             only the third-party and standard headers that stowage's headers (and the unit itself)
             include directly for this unit: Boost.Hana, sqlite3.h, nlohmann/json.hpp, <vector>...
             and no stowage code;
  reference  (json_fields only) the deps-only form plus what a program doing the same job with
             the dependencies alone compiles: one nlohmann::json dump and parse. reference minus
             deps-only is that job's own cost, the yardstick for a record with JSON fields.

stowage's own cost is full minus deps-only. The deps-only header is derived on every run from the
preprocessor's include tree of the full unit (the compiler's -H output, for the same compiler,
flags and level): every header outside stowage that a stowage header or the unit includes. -H
shows a header where it is first opened only; one first opened by another dependency comes in
through that one. The script then checks that the deps-only form opens exactly the headers outside
stowage that the full form opens, and warns if not.

Measured per compile: user CPU seconds and peak resident memory of the compiler process and the
processes it waits for (cc1plus, as), from os.wait4 (the same figures /usr/bin/time prints, and
within noise of cc1plus run alone; clang runs its cc1 in the driver's process). Printed per unit, compiler and level: the
median over the repetitions for full and deps-only, and the difference; then, unless --no-compare,
the figure in the committed results file (bench/compile/results.json) and the change. Timings are
never judged: the exit status is non-zero only when a compile fails.

  bench/compile/run.py                            # everything, 5 repetitions, compared
  bench/compile/run.py --only scalar --compilers g++ --levels O2 --reps 9
  bench/compile/run.py --write                    # store the rows measured in results.json
  bench/compile/run.py --trace scalar             # clang -ftime-trace of one unit, summed
"""
import argparse
import collections
import datetime
import json
import os
import pathlib
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RESULTS = HERE / "results.json"

# unit name -> (source, include directory of stowage it is compiled against)
UNITS = collections.OrderedDict(
    [
        ("scalar", ("scalar.cpp", ROOT / "include")),
        ("three_records", ("three_records.cpp", ROOT / "include")),
        ("json_fields", ("json_fields.cpp", ROOT / "include")),
        ("single_header", ("single_header.cpp", ROOT / "single_include")),
        ("implementation", ("implementation.cpp", ROOT / "include")),
        # the ready models: each unit is the model's example program (examples/models_*.cpp), which
        # uses most of the model on SQLite
        ("models_events", ("models_events.cpp", ROOT / "include")),
        ("models_prompts", ("models_prompts.cpp", ROOT / "include")),
        ("models_workflows", ("models_workflows.cpp", ROOT / "include")),
        ("models_conversations", ("models_conversations.cpp", ROOT / "include")),
    ]
)
# Files of the project a unit includes as its own code (the models' examples): what they include
# is the unit's, like what the unit's own file includes.
UNIT_DIRS = [ROOT / "examples"]
STOWAGE_DIRS = [ROOT / "include" / "stowage", ROOT / "single_include" / "stowage"]
DEPS_MACRO = "STOWAGE_BENCH_DEPS_ONLY"
# Units with a reference form: the deps-only form plus what a program using only the
# dependencies would compile for the same job (json_fields: one nlohmann::json dump and parse).
# reference = ref - deps is what that job costs on its own, the yardstick for stowage's own cost.
REFERENCE_MACRO = "STOWAGE_BENCH_REFERENCE"
REFERENCES = {"json_fields": "one nlohmann::json dump and parse"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def is_stowage(path):
    p = os.path.normpath(path)
    return any(p.startswith(str(d) + os.sep) for d in STOWAGE_DIRS)


def is_unit_code(path, source):
    p = os.path.normpath(path)
    return p == os.path.normpath(str(source)) or any(p.startswith(str(d) + os.sep) for d in UNIT_DIRS)


def libpq_include():
    """libpq's include directory (Debian keeps libpq-fe.h in /usr/include/postgresql), or None."""
    try:
        r = subprocess.run(["pg_config", "--includedir"], capture_output=True, text=True)
    except OSError:
        return None
    d = r.stdout.strip()
    return d if r.returncode == 0 and d and os.path.isdir(d) else None


LIBPQ_INCLUDE = libpq_include()


def base_flags(unit, level, extra):
    pq = ["-isystem", LIBPQ_INCLUDE] if LIBPQ_INCLUDE else []
    return ["-std=c++20", level, "-I", str(UNITS[unit][1])] + pq + extra


def search_dirs(cxx, flags):
    """The compiler's #include <...> search list for these flags, in order."""
    r = subprocess.run([cxx] + flags + ["-E", "-x", "c++", "-v", "/dev/null", "-o", "/dev/null"],
                       capture_output=True, text=True)
    dirs, on = [], False
    for line in r.stderr.splitlines():
        if line.startswith("#include <...> search starts here"):
            on = True
        elif line.startswith("End of search list"):
            on = False
        elif on and line.startswith(" "):
            dirs.append(os.path.normpath(line.strip()))
    return dirs


def include_tree(cxx, flags, source, defines=()):
    """(depth, normalized path) of each header the preprocessor opens, in order (-H)."""
    r = subprocess.run([cxx] + flags + list(defines) + ["-E", "-H", str(source), "-o", "/dev/null"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"preprocessing {source} failed:\n{r.stderr}")
    tree = []
    for line in r.stderr.splitlines():
        m = re.match(r"^(\.+) (.+)$", line)
        if m:
            tree.append((len(m.group(1)), os.path.normpath(m.group(2))))
    return tree


def spelling(path, dirs):
    """How to name path in #include <...>: relative to the first search directory that finds it."""
    for d in dirs:
        if path.startswith(d + os.sep):
            rel = path[len(d) + 1:]
            found = next((os.path.join(x, rel) for x in dirs if os.path.exists(os.path.join(x, rel))), None)
            if found and os.path.samefile(found, path):
                return rel
    raise RuntimeError(f"{path} is not reachable through the include search list")


def derive_deps(cxx, flags, unit):
    """The headers outside stowage that stowage's headers or the unit include directly, in order."""
    source = HERE / UNITS[unit][0]
    tree = include_tree(cxx, flags, source)
    dirs = search_dirs(cxx, flags)
    deps, stack = [], [str(source)]
    for depth, path in tree:
        del stack[depth:]
        parent = stack[depth - 1]
        stack.append(path)
        if not is_stowage(path) and not is_unit_code(path, source) and (is_stowage(parent)
                                                                         or is_unit_code(parent, source)):
            s = spelling(path, dirs)
            if s not in deps:
                deps.append(s)
    outside = {p for _, p in tree if not is_stowage(p) and not is_unit_code(p, source)}
    return deps, outside


def write_deps_header(workdir, cxx_label, level, unit, deps):
    path = pathlib.Path(workdir) / f"{unit}.{cxx_label}{level}.deps.hpp"
    path.write_text(f"// What stowage includes for bench/compile/{UNITS[unit][0]}, without stowage.\n"
                    + "".join(f"#include <{d}>\n" for d in deps))
    return path


def compile_once(cxx, flags, source, obj, defines=()):
    """(user CPU seconds, peak RSS MiB, compiler output, exit status) of one compile."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([cxx] + flags + list(defines) + ["-c", str(source), "-o", str(obj)],
                                stdout=out, stderr=subprocess.STDOUT)
        # wait4's usage covers the driver and every process it waited for (cc1plus, as)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    return usage.ru_utime, usage.ru_maxrss / 1024.0, text, proc.returncode


def version(cxx):
    r = subprocess.run([cxx, "--version"], capture_output=True, text=True)
    return r.stdout.splitlines()[0].strip() if r.returncode == 0 and r.stdout else "unknown"


def label(cxx):
    return os.path.basename(cxx)


def git_commit():
    r = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    commit = r.stdout.strip() if r.returncode == 0 else "unknown"
    # what is measured: the library and the units (not this script)
    d = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "include", "single_include",
                        "bench/compile/*.cpp"], capture_output=True, text=True)
    return commit + ("+modified" if d.stdout.strip() else "")


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def summarize(samples):
    users = [s[0] for s in samples]
    rss = [s[1] for s in samples]
    med = statistics.median(users)
    spread = (max(users) - min(users)) / med * 100 if med > 0 else 0.0
    return {"user_s": round(med, 3), "rss_mib": round(statistics.median(rss), 1),
            "user_s_samples": [round(u, 3) for u in users], "spread_pct": round(spread, 1)}


def measure(args, on_row=lambda rows, deps_lists, loads: None):
    extra = shlex.split(args.cxxflags)
    units = [args.only] if args.only else list(UNITS)
    # the implementation unit is the file a separately compiled program compiles once: it has no
    # header-only form
    plan = [(cxx, level, unit, mode) for mode in args.modes for cxx in args.compilers for level in args.levels
            for unit in units if not (unit == "implementation" and mode == "header-only")]
    forms_of = lambda unit: 3 if unit in REFERENCES else 2
    total = sum(forms_of(unit) for _, _, unit, _ in plan) * args.reps
    done = 0
    rows, deps_lists, failed = [], {}, False
    workdir = tempfile.mkdtemp(prefix="stowage-ccbench-")
    load_start = os.getloadavg()
    for cxx, level, unit, mode in plan:
        flags = base_flags(unit, level, extra + (["-DSTOWAGE_SEPARATE_COMPILATION"] if mode == "separate" else []))
        source = HERE / UNITS[unit][0]
        try:
            deps, outside_full = derive_deps(cxx, flags, unit)
            header = write_deps_header(workdir, label(cxx), level, unit, deps)
            define = [f'-D{DEPS_MACRO}="{header}"']
            outside_deps = {p for _, p in include_tree(cxx, flags, source, define)} - {os.path.normpath(str(header))}
        except RuntimeError as e:
            log(str(e))
            failed = True
            done += forms_of(unit) * args.reps
            continue
        if outside_deps != outside_full:
            log(f"warning: {unit} ({label(cxx)} {level}): the deps-only form opens "
                f"{len(outside_deps - outside_full)} headers the full form does not, and misses "
                f"{len(outside_full - outside_deps)}")
        deps_lists.setdefault(unit, deps)  # as the first compiler and level derive it
        result = {}
        forms = [("full", []), ("deps", define)]
        if unit in REFERENCES:
            forms.append(("ref", define + [f"-D{REFERENCE_MACRO}"]))
        for form, defines in forms:
            samples = []
            for rep in range(args.reps):
                done += 1
                obj = pathlib.Path(workdir) / f"{unit}.o"
                user, rss, text, rc = compile_once(cxx, flags, source, obj, defines)
                if rc != 0:
                    log(f"error: {label(cxx)} {level} {unit} ({form}) failed:\n{text}")
                    failed = True
                    done += args.reps - rep - 1
                    break
                samples.append((user, rss))
                log(f"[{done}/{total}] {label(cxx)} {level} {unit} ({mode}) {form} {rep + 1}/{args.reps}: "
                    f"{user:.2f} s, {rss:.0f} MiB")
            if len(samples) != args.reps:
                break
            result[form] = summarize(samples)
        if len(result) != len(forms):
            continue
        row = {
            "unit": unit, "mode": mode, "compiler": label(cxx), "level": level, "reps": args.reps,
            "full": result["full"], "deps": result["deps"],
            "own_user_s": round(result["full"]["user_s"] - result["deps"]["user_s"], 3),
            "own_rss_mib": round(result["full"]["rss_mib"] - result["deps"]["rss_mib"], 1),
        }
        if "ref" in result:
            row["ref"] = result["ref"]
            row["reference_user_s"] = round(result["ref"]["user_s"] - result["deps"]["user_s"], 3)
        rows.append(row)
        on_row(rows, deps_lists, (load_start, os.getloadavg()))
    shutil.rmtree(workdir)
    return rows, deps_lists, failed, (load_start, os.getloadavg())


def key(row):
    return (row["unit"], row.get("mode", "header-only"), row["compiler"], row["level"])


def change(new, old):
    if old is None:
        return ""
    if abs(old) < 1e-9:
        return f"{new - old:+.2f}"
    return f"{(new - old) / abs(old) * 100:+.0f}%"


def print_table(rows, old_rows):
    old = {key(r): r for r in old_rows} if old_rows is not None else None
    header = ["unit", "mode", "compiler", "level", "full s", "deps s", "own s", "spread", "full MiB", "deps MiB",
              "own MiB"]
    if old is not None:
        header += ["old own s", "own change", "old full s", "full change"]
    table = [header]
    for r in rows:
        line = [r["unit"], r["mode"], r["compiler"], r["level"], f'{r["full"]["user_s"]:.2f}', f'{r["deps"]["user_s"]:.2f}',
                f'{r["own_user_s"]:.2f}',
                f'{max(r["full"]["spread_pct"], r["deps"]["spread_pct"]):.0f}%',
                f'{r["full"]["rss_mib"]:.0f}', f'{r["deps"]["rss_mib"]:.0f}', f'{r["own_rss_mib"]:.0f}']
        if old is not None:
            # a separately compiled row without a stored figure of its own is set against header-only's
            o = old.get(key(r)) or old.get((r["unit"], "header-only", r["compiler"], r["level"]))
            if o is None:
                line += ["-", "", "-", ""]
            else:
                line += [f'{o["own_user_s"]:.2f}', change(r["own_user_s"], o["own_user_s"]),
                         f'{o["full"]["user_s"]:.2f}', change(r["full"]["user_s"], o["full"]["user_s"])]
        table.append(line)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    print("user CPU seconds and peak memory: medians over the repetitions; own = full - deps; "
          "spread = (max - min) / median of the noisier form")
    for r in rows:
        if "reference_user_s" in r:
            print(f'{r["unit"]} ({r["mode"]}, {r["compiler"]} {r["level"]}): {REFERENCES[r["unit"]]} costs '
                  f'{r["reference_user_s"]:.2f} s over the headers (ref {r["ref"]["user_s"]:.2f} s); stowage\'s own '
                  f'{r["own_user_s"]:.2f} s')


def write_results(run_id, rows, deps_lists, compilers, loads, note):
    """Stores rows in results.json, replacing the rows of the same unit, compiler and level; called
    after each row, so that an interrupted run keeps what it measured."""
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"rows": [], "runs": []}
    commit = git_commit()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    run = {
        "id": run_id, "commit": commit, "date": now,
        "machine": {"cpus": os.cpu_count(), "cpu": cpu_model(), "system": platform.platform(),
                    "load_average_start_end": [round(loads[0][0], 1), round(loads[1][0], 1)]},
        "compilers": {label(c): version(c) for c in compilers},
        "rows": [list(key(r)) for r in rows],
    }
    if note:
        run["note"] = note
    data["runs"] = [r for r in data.get("runs", []) if r.get("id") != run_id] + [run]
    fresh = {key(r): dict(r, commit=commit, date=now) for r in rows}
    kept = [r for r in data.get("rows", []) if key(r) not in fresh]
    rank = {u: i for i, u in enumerate(UNITS)}
    data["rows"] = sorted(kept + list(fresh.values()),
                          key=lambda r: (r.get("mode", "header-only") != "header-only", rank.get(r["unit"], 99),
                                         r["compiler"], r["level"]))
    data.setdefault("deps", {}).update(deps_lists)
    tmp = RESULTS.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, RESULTS)


def without_arguments(name):
    """std::vector<int>::push_back -> std::vector<>::push_back"""
    out, depth = [], 0
    for c in name:
        if c == "<":
            if depth == 0:
                out.append("<")
            depth += 1
        elif c == ">" and depth > 0:
            depth -= 1
            if depth == 0:
                out.append(">")
        elif depth == 0:
            out.append(c)
    return "".join(out)


def shorter_path(path):
    p = os.path.normpath(path)
    for base in (str(ROOT) + os.sep, "/usr/include/"):
        if p.startswith(base):
            return p[len(base):]
    return p


def demangle(names):
    try:
        r = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True)
        out = r.stdout.splitlines()
        return out if r.returncode == 0 and len(out) == len(names) else names
    except OSError:
        return names


def markdown(data):
    """The committed results as the Markdown table README shows."""
    print("| unit | mode | compiler | level | full: CPU s / MiB | dependencies only | stowage's own |")
    print("|---|---|---|---|---|---|---|")
    for r in data["rows"]:
        print(f'| {r["unit"]} | {r.get("mode", "header-only")} | {r["compiler"]} | {r["level"]} '
              f'| {r["full"]["user_s"]:.2f} / {r["full"]["rss_mib"]:.0f} '
              f'| {r["deps"]["user_s"]:.2f} / {r["deps"]["rss_mib"]:.0f} '
              f'| **{r["own_user_s"]:.2f}** / {r["own_rss_mib"]:.0f} |')
    commits = sorted({r["commit"][:7] for r in data["rows"]})
    print(f"\nmeasured on {', '.join(commits)}")


def trace(args):
    """Compiles one unit with clang -ftime-trace and sums the trace."""
    unit = args.trace
    cxx = next((c for c in args.compilers if "clang" in label(c)), "clang++")
    level = args.levels[-1]
    separate = ["-DSTOWAGE_SEPARATE_COMPILATION"] if args.modes == ["separate"] or unit == "implementation" else []
    flags = base_flags(unit, level, shlex.split(args.cxxflags) + separate)
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="stowage-ccbench-trace-"))
    obj = workdir / f"{unit}.o"
    user, rss, text, rc = compile_once(cxx, flags + ["-ftime-trace", "-ftime-trace-granularity=50"],
                                       HERE / UNITS[unit][0], obj)
    if rc != 0:
        log(f"error: {label(cxx)} {level} {unit} failed:\n{text}")
        return 1
    events = json.loads((workdir / f"{unit}.json").read_text())["traceEvents"]
    for f in workdir.iterdir():
        f.unlink()
    workdir.rmdir()
    print(f"{label(cxx)} {level} {unit}: {user:.2f} s user CPU, {rss:.0f} MiB (with -ftime-trace)")
    totals = sorted(((e["name"][6:], e["dur"]) for e in events if e.get("name", "").startswith("Total ")),
                    key=lambda t: -t[1])
    whole = next((d for n, d in totals if n == "ExecuteCompiler"), 0) or 1
    print(f"\nThe trace's times are wall-clock ({whole / 1e6:.2f} s in all): on a busy machine they are longer "
          "than the CPU time; the percentages are of the whole.")
    print("\ntop categories, seconds (they nest: Frontend holds Source, Backend holds OptFunction...)")
    for name, dur in totals[:15]:
        print(f"  {dur / 1e6:8.3f} {dur / whole * 100:5.1f}%  {name}")
    groups = [
        ("instantiations (class and function templates; nested instantiations counted in their parent too)",
         {"InstantiateClass", "InstantiateFunction"}, str),
        ("instantiated templates, their arguments dropped", {"InstantiateClass", "InstantiateFunction"},
         without_arguments),
        ("functions (code generation and optimization)", {"CodeGen Function", "OptFunction"}, str),
        ("headers (parsing; nested headers counted in their parent too)", {"Source"}, shorter_path),
    ]
    for title, names, name_of in groups:
        sums = collections.Counter()
        for e in events:
            if e.get("ph") == "X" and e.get("name") in names:
                sums[name_of(e.get("args", {}).get("detail", "?"))] += e["dur"]
        top = sums.most_common(20)
        shown = demangle([d for d, _ in top]) if title.startswith("functions") else [d for d, _ in top]
        print(f"\ntop 20 {title}, seconds summed over the unit")
        for name, (_, dur) in zip(shown, top):
            print(f"  {dur / 1e6:8.3f} {dur / whole * 100:5.1f}%  {name if len(name) <= 160 else name[:157] + '...'}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compilers", default="g++,clang++", help="comma-separated (default g++,clang++)")
    parser.add_argument("--levels", default="O0,O2", help="comma-separated: O0,O2 (the default) or =-O0,-O2")
    parser.add_argument("--only", choices=list(UNITS), help="measure one unit")
    parser.add_argument("--reps", type=int, default=5, help="compiles of each form (default 5)")
    parser.add_argument("--modes", default="header-only,separate",
                        help="comma-separated: header-only (the default way to use stowage), separate "
                             "(STOWAGE_SEPARATE_COMPILATION; the implementation unit is the file compiled once)")
    parser.add_argument("--cxxflags", default="", help="more flags for every compile, e.g. -I<boost>")
    parser.add_argument("--write", action="store_true", help="store the rows measured in results.json")
    parser.add_argument("--note", default="", help="a note stored with the run by --write")
    parser.add_argument("--no-compare", action="store_true", help="do not compare with results.json")
    parser.add_argument("--show-deps", action="store_true", help="print each unit's deps-only header list")
    parser.add_argument("--markdown", action="store_true",
                        help="print the committed results as a Markdown table (no compiling)")
    parser.add_argument("--trace", choices=list(UNITS),
                        help="compile this unit once with clang -ftime-trace (at the last of --levels) "
                             "and print where the time goes")
    args = parser.parse_args()
    args.compilers = [c for c in args.compilers.split(",") if c]
    args.levels = ["-" + l.lstrip("-") for l in args.levels.split(",") if l]
    args.modes = [m for m in args.modes.split(",") if m]
    if any(m not in ("header-only", "separate") for m in args.modes):
        parser.error("--modes takes header-only and separate")
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    if args.trace:
        return trace(args)
    if args.markdown:
        markdown(json.loads(RESULTS.read_text()))
        return 0

    on_row = lambda rows, deps_lists, loads: None
    if args.write:
        run_id = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
        on_row = lambda rows, deps_lists, loads: write_results(run_id, rows, deps_lists, args.compilers, loads,
                                                               args.note)
    rows, deps_lists, failed, loads = measure(args, on_row)
    if args.show_deps:
        for unit, deps in deps_lists.items():
            print(f"{unit} deps-only ({len(deps)} headers): " + " ".join(deps))
    old_rows = None
    if not args.no_compare:
        old_rows = json.loads(RESULTS.read_text())["rows"] if RESULTS.exists() else []
    print()
    print_table(rows, old_rows)
    print(f"load average at start and end: {loads[0][0]:.1f}, {loads[1][0]:.1f} ({os.cpu_count()} CPUs)")
    if args.write and rows:
        log(f"wrote {RESULTS.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
