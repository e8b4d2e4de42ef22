#!/usr/bin/env bash
# Installs stowage from a configured build tree into a temporary prefix, then builds and runs
# examples/consumer four ways: CMake find_package, pkg-config, Meson dependency() and the single
# header alone. Usage: consumer.sh <source dir> <build dir> <c++ compiler>
set -euo pipefail
src=$1 build=$2 cxx=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
expect="stored and read back"
check() {  # name, program
  local out
  out=$("$2")
  [ "$out" = "$expect" ] || { echo "$1: the consumer printed '$out'"; exit 1; }
  echo "$1: ok"
}

cmake -S "$src/examples/consumer" -B "$work/cmake" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
check "find_package(stowage COMPONENTS sqlite)" "$work/cmake/consumer"

export PKG_CONFIG_PATH=$prefix/share/pkgconfig
# shellcheck disable=SC2046
"$cxx" -std=c++20 "$src/examples/consumer/main.cpp" -o "$work/pkgconfig-consumer" \
  $(pkg-config --cflags --libs stowage-sqlite)
check "pkg-config stowage-sqlite" "$work/pkgconfig-consumer"

if command -v meson >/dev/null; then
  CXX=$cxx meson setup "$work/meson" "$src/examples/consumer" >/dev/null
  meson compile -C "$work/meson" >/dev/null
  check "meson dependency('stowage')" "$work/meson/consumer"
else
  echo "meson: not installed, skipped"
fi

"$cxx" -std=c++20 -I"$src/single_include" "$src/examples/consumer/main.cpp" -o "$work/single-consumer" -lsqlite3
check "single_include/ and -lsqlite3" "$work/single-consumer"

# asking for a backend that is not there fails and says why
cat >"$work/missing.cmake" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(missing LANGUAGES CXX)
find_package(stowage CONFIG REQUIRED COMPONENTS postgres)
CMAKE
mkdir -p "$work/missing"
cp "$work/missing.cmake" "$work/missing/CMakeLists.txt"
if out=$(cmake -S "$work/missing" -B "$work/missing/build" -DCMAKE_PREFIX_PATH="$prefix" 2>&1); then
  echo "find_package(stowage COMPONENTS postgres) succeeded"; exit 1
fi
grep -q "postgres backend is coming" <<<"$out" || { echo "unexpected message: $out"; exit 1; }
echo "find_package(stowage COMPONENTS postgres): refused as expected"

# and a backend whose client library is missing says which library
if out=$(cmake -S "$src/examples/consumer" -B "$work/nosqlite" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON 2>&1); then
  echo "find_package(stowage COMPONENTS sqlite) succeeded without SQLite3"; exit 1
fi
grep -q "libsqlite3" <<<"$out" || { echo "unexpected message: $out"; exit 1; }
echo "find_package(stowage COMPONENTS sqlite) without SQLite3: refused, naming libsqlite3"
