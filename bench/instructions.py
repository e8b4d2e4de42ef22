#!/usr/bin/env python3
"""Instructions per row, raw against stowage, for each workload of a benchmark, counted by callgrind.

    bench/instructions.py BENCH [rows] [--keep=DIR] [-- extra benchmark arguments]

BENCH is a built benchmark program (sqlite_bench, memory_bench); this script builds nothing. It asks
the program for its workloads (--phase=list), then runs each side of each one alone
(--phase=raw-get, --phase=stowage-get, ...) under valgrind --tool=callgrind with collection on only
inside bench_common::measured_phase, so that the setup (the data set, filling the table a read
reads) is not counted. It prints the instructions per row of each side, the ratio stowage/raw and
the workload's target, for information (the exit status does not judge them; it is 1 only when a
run fails or the two sides' digests differ). With --keep=DIR the callgrind files stay in DIR for
callgrind_annotate --inclusive=yes.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile


def usage(why):
    sys.exit(f"instructions.py: {why}\nusage: bench/instructions.py BENCH [rows] [--keep=DIR] [-- bench arguments]")


def main(argv):
    bench, rows, keep, extra = None, "50000", None, []
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--":
            extra, args = args, []
        elif a.startswith("--keep="):
            keep = a[len("--keep="):]
        elif a.startswith("-"):
            usage(f"unknown option {a}")
        elif bench is None:
            bench = a
        elif a.isdigit():
            rows = a
        else:
            usage(f"unexpected argument {a}")
    if bench is None:
        usage("name a benchmark program")
    bench = os.path.abspath(bench)
    if not os.access(bench, os.X_OK):
        usage(f"{bench} is not an executable file (build it first)")
    if shutil.which("valgrind") is None:
        sys.exit("instructions.py: valgrind is not installed (apt-get install -y valgrind)")

    listing = subprocess.run([bench, "--phase=list"], capture_output=True, text=True, check=True).stdout
    workloads = [(name, float(target)) for name, target in (line.split() for line in listing.splitlines())]

    out_dir = keep or tempfile.mkdtemp(prefix="stowage-instructions-")
    os.makedirs(out_dir, exist_ok=True)
    name = os.path.basename(bench)
    print(f"{name}: {rows} rows; instructions counted by callgrind inside measured_phase only")
    print(f"{'workload':<10} {'raw Ir/row':>12} {'stowage Ir/row':>15} {'ratio':>7} {'target':>8}")
    failed = False
    for workload, target in workloads:
        per_row, digests = {}, {}
        for side in ("raw", "stowage"):
            out_file = os.path.join(out_dir, f"{name}.{side}-{workload}.callgrind")
            run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                                  "--collect-atstart=no", "--toggle-collect=*measured_phase*",
                                  bench, rows, f"--phase={side}-{workload}", *extra],
                                 capture_output=True, text=True)
            phase = re.search(r"^phase \S+: (\d+) rows, digest (\d+)", run.stdout, re.M)
            if run.returncode != 0 or phase is None:
                sys.stderr.write(run.stdout + run.stderr)
                sys.exit(f"instructions.py: {side}-{workload} failed (exit status {run.returncode})")
            with open(out_file) as f:
                totals = re.search(r"^(?:totals|summary): (\d+)", f.read(), re.M)
            if totals is None or int(totals.group(1)) == 0:
                sys.exit(f"instructions.py: callgrind counted nothing for {side}-{workload} ({out_file})")
            per_row[side] = int(totals.group(1)) / int(phase.group(1))
            digests[side] = phase.group(2)
        ratio = per_row["stowage"] / per_row["raw"]
        verdict = "ok" if ratio <= target else "MISS"
        print(f"{workload:<10} {per_row['raw']:>12.0f} {per_row['stowage']:>15.0f} {ratio:>7.3f} "
              f"{target:>5.2f} {verdict}")
        if digests["raw"] != digests["stowage"]:
            print(f"MISMATCH in {workload}: the two sides' digests differ")
            failed = True
    if keep:
        print(f"callgrind files in {keep} (callgrind_annotate --inclusive=yes FILE)")
    else:
        shutil.rmtree(out_dir)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
