#!/usr/bin/env bash
# Installs stowage from a configured build tree into a temporary prefix, then builds and runs
# examples/consumer four ways: CMake find_package, pkg-config, Meson dependency() and the single
# header alone. When meson is there, it also installs the same source tree with `meson install`,
# checks that both installs hold the same files, and consumes the Meson install with CMake
# find_package. Usage: consumer.sh <source dir> <build dir> <c++ compiler>
set -euo pipefail
src=$1 build=$2 cxx=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/cmake-install

cmake --install "$build" --prefix "$prefix" >/dev/null
expect="stored and read back"
check() {  # name, program
  local out
  out=$("$2")
  [ "$out" = "$expect" ] || { echo "$1: the consumer printed '$out'"; exit 1; }
  echo "$1: ok"
}
cmake_consumer() {  # name, install prefix, build dir
  cmake -S "$src/examples/consumer" -B "$3" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_PREFIX_PATH="$2" >/dev/null
  cmake --build "$3" >/dev/null
  check "$1" "$3/consumer"
}

cmake_consumer "find_package(stowage COMPONENTS sqlite)" "$prefix" "$work/cmake"
prefixes=("$prefix")  # the installs whose CMake package is checked for refusals below

export PKG_CONFIG_PATH=$prefix/share/pkgconfig
# shellcheck disable=SC2046
"$cxx" -std=c++20 "$src/examples/consumer/main.cpp" -o "$work/pkgconfig-consumer" \
  $(pkg-config --cflags --libs stowage-sqlite)
check "pkg-config stowage-sqlite" "$work/pkgconfig-consumer"

if command -v meson >/dev/null; then
  CXX=$cxx meson setup "$work/meson" "$src/examples/consumer" >/dev/null
  meson compile -C "$work/meson" >/dev/null
  check "meson dependency('stowage')" "$work/meson/consumer"

  # the same tree installed by Meson: the same files as the CMake install, and the same CMake package
  meson_prefix=$work/meson-install
  CXX=$cxx meson setup "$work/meson-build" "$src" --prefix "$meson_prefix" \
    -Dtests=disabled -Dexamples=disabled -Dbenchmarks=disabled >/dev/null
  meson install -C "$work/meson-build" --quiet >/dev/null
  files() { (cd "$1" && find . ! -type d | sort); }
  if ! difference=$(diff <(files "$prefix") <(files "$meson_prefix")); then
    echo "cmake --install and meson install install different files (<: CMake only, >: Meson only):"
    echo "$difference"
    exit 1
  fi
  echo "cmake --install and meson install: the same $(files "$prefix" | wc -l) files"
  cmake_consumer "meson install, find_package(stowage COMPONENTS sqlite)" "$meson_prefix" "$work/cmake-meson"
  prefixes+=("$meson_prefix")
else
  echo "meson: not installed, skipped"
fi

"$cxx" -std=c++20 -I"$src/single_include" "$src/examples/consumer/main.cpp" -o "$work/single-consumer" -lsqlite3
check "single_include/ and -lsqlite3" "$work/single-consumer"

for p in "${prefixes[@]}"; do
  name=${p#"$work"/}  # cmake-install or meson-install
  # asking for a backend that is not there fails and says why
  mkdir -p "$work/missing"
  cat >"$work/missing/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(missing LANGUAGES CXX)
find_package(stowage CONFIG REQUIRED COMPONENTS postgres)
CMAKE
  if out=$(cmake -S "$work/missing" -B "$work/missing/build-$name" -DCMAKE_PREFIX_PATH="$p" 2>&1); then
    echo "$name: find_package(stowage COMPONENTS postgres) succeeded"; exit 1
  fi
  grep -q "postgres backend is coming" <<<"$out" || { echo "$name: unexpected message: $out"; exit 1; }
  echo "$name: find_package(stowage COMPONENTS postgres): refused as expected"

  # and a backend whose client library is missing says which library
  if out=$(cmake -S "$src/examples/consumer" -B "$work/nosqlite-$name" -DCMAKE_PREFIX_PATH="$p" \
    -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON 2>&1); then
    echo "$name: find_package(stowage COMPONENTS sqlite) succeeded without SQLite3"; exit 1
  fi
  grep -q "libsqlite3" <<<"$out" || { echo "$name: unexpected message: $out"; exit 1; }
  echo "$name: find_package(stowage COMPONENTS sqlite) without SQLite3: refused, naming libsqlite3"
done
