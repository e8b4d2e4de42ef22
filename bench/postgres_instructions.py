#!/usr/bin/env python3
"""Instructions per row of each postgres_bench workload, raw libpq against stowage.

    scripts/with-pg bench/postgres_instructions.py build-release/bench/postgres_bench [rows] [--gets=N] ...

Runs the benchmark once (one repetition, 20,000 rows and 5,000 gets unless told otherwise) under
valgrind --tool=callgrind and prints the client's instructions per row of each workload: the
inclusive cost of the benchmark's timed_* functions divided by the rows each one handles. Only
this process is counted: the server's work and the wait for it are not instructions of the
client. An instruction count does not depend on what else the machine is doing, which makes it
the figure to compare before and after a change; the wall-clock times remain the benchmark's own.
"""
import os
import re
import subprocess
import sys
import tempfile

# workload -> (raw function, stowage function, which count of rows it handles)
WORKLOADS = [
    ("bulk insert: put_many vs COPY BINARY", "timed_insert_copy_raw", "timed_insert_stowage", "rows"),
    ("re-put, keys exist: put_many vs COPY+merge", "timed_reput_raw", "timed_reput_stowage", "rows"),
    ("point get: get vs PQexecPrepared", "timed_gets_raw", "timed_gets_stowage", "gets"),
    ("batch get: get_many vs pipeline", "timed_get_many_raw", "timed_get_many_stowage", "gets"),
    ("range query: query vs single-row", "timed_range_raw", "timed_range_stowage", "range"),
]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    bench, args = sys.argv[1], sys.argv[2:]
    sizes = {"rows": 20000, "gets": 5000, "range": 20000}
    for a in args:
        if a.isdigit():
            sizes["rows"] = int(a)
        for name in ("gets", "range"):
            if a.startswith(f"--{name}="):
                sizes[name] = int(a.split("=", 1)[1])
    if not any(a.isdigit() for a in args):
        args = [str(sizes["rows"])] + args
    for name in ("gets", "range"):
        if not any(a.startswith(f"--{name}=") for a in args):
            args.append(f"--{name}={sizes[name]}")
    args.append("--reps=1")
    sizes["gets"] = min(sizes["gets"], sizes["rows"])
    sizes["range"] = min(sizes["range"], sizes["rows"])

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", bench] + args,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit(f"postgres_instructions: the benchmark failed under valgrind:\n{run.stderr}")
        text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                              capture_output=True, text=True, check=True).stdout

    cost = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s.*?\b(timed_\w+)\(", line)
        if m:
            cost[m.group(2)] = cost.get(m.group(2), 0) + int(m.group(1).replace(",", ""))
    print(f"client instructions per row ({sizes['rows']} rows, {sizes['gets']} gets, {sizes['range']} rows "
          "in the range; one run under callgrind)")
    print(f"{'workload':46} {'raw':>10} {'stowage':>10} {'ratio':>7}")
    for title, raw, sto, per in WORKLOADS:
        if raw not in cost or sto not in cost:
            print(f"{title:46} (not found in the profile)")
            continue
        r, s = cost[raw] / sizes[per], cost[sto] / sizes[per]
        print(f"{title:46} {r:10.0f} {s:10.0f} {s / r:7.2f}")


if __name__ == "__main__":
    main()
