#!/usr/bin/env bash
# Installs stowage from a configured build tree into a temporary prefix, then builds and runs
# examples/consumer four ways: CMake find_package, pkg-config, Meson dependency() and the single
# header alone. When meson is there, it also installs the same source tree with `meson install`,
# checks that both installs hold the same files, and consumes the Meson install with CMake
# find_package. examples/consumer_postgres is built the same ways (CMake COMPONENTS sqlite
# postgres, pkg-config stowage-postgres, Meson dependency('stowage-postgres')) and run without a
# server, which only shows it links libpq; when STOWAGE_TEST_PG_URL names a server, it also
# stores and reads a record there. Usage: consumer.sh <source dir> <build dir> <c++ compiler>
# Every CMake project here is configured with -G Ninja: scripts/install-deps installs ninja-build,
# not make, so CMake's default generator has no build program on a fresh machine.
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
check_postgres() {  # name, program: links libpq; stores and reads when a server is named
  local out
  out=$("$2")
  grep -q "^linked with libpq [0-9]" <<<"$out" || { echo "$1: the consumer printed '$out'"; exit 1; }
  if [ -n "${STOWAGE_TEST_PG_URL:-}" ]; then
    out=$("$2" "$STOWAGE_TEST_PG_URL")
    [ "$out" = "$expect" ] || { echo "$1: against STOWAGE_TEST_PG_URL the consumer printed '$out'"; exit 1; }
    echo "$1: ok (run against STOWAGE_TEST_PG_URL)"
  else
    echo "$1: ok (links libpq; STOWAGE_TEST_PG_URL not set, not run against a server)"
  fi
}
cmake_consumer() {  # name, install prefix, build dir
  cmake -S "$src/examples/consumer" -B "$3" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_PREFIX_PATH="$2" >/dev/null
  cmake --build "$3" >/dev/null
  check "$1" "$3/consumer"
}
cmake_consumer_postgres() {  # name, install prefix, build dir
  cmake -S "$src/examples/consumer_postgres" -B "$3" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_PREFIX_PATH="$2" >/dev/null
  cmake --build "$3" >/dev/null
  check_postgres "$1" "$3/consumer_postgres"
}

cmake_consumer_blobs() {  # name, install prefix, build dir: the blob store, on libcrypto
  cmake -S "$src/examples/consumer_blobs" -B "$3" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_PREFIX_PATH="$2" >/dev/null
  cmake --build "$3" >/dev/null
  check "$1" "$3/consumer_blobs"
}

cmake_consumer "find_package(stowage COMPONENTS sqlite)" "$prefix" "$work/cmake"
cmake_consumer_blobs "find_package(stowage COMPONENTS blobs)" "$prefix" "$work/cmake-blobs"
cmake_consumer_postgres "find_package(stowage COMPONENTS sqlite postgres)" "$prefix" "$work/cmake-postgres"
prefixes=("$prefix")  # the installs whose CMake package is checked for refusals below

export PKG_CONFIG_PATH=$prefix/share/pkgconfig
# shellcheck disable=SC2046
"$cxx" -std=c++20 "$src/examples/consumer/main.cpp" -o "$work/pkgconfig-consumer" \
  $(pkg-config --cflags --libs stowage-sqlite)
check "pkg-config stowage-sqlite" "$work/pkgconfig-consumer"
pq_flags=$(pkg-config --cflags --libs stowage-postgres)
grep -qw -- "-lpq" <<<"$pq_flags" || { echo "pkg-config stowage-postgres: no -lpq in '$pq_flags'"; exit 1; }
# shellcheck disable=SC2086
"$cxx" -std=c++20 "$src/examples/consumer_postgres/main.cpp" -o "$work/pkgconfig-consumer-postgres" $pq_flags
check_postgres "pkg-config stowage-postgres" "$work/pkgconfig-consumer-postgres"
# shellcheck disable=SC2046
"$cxx" -std=c++20 "$src/examples/consumer_blobs/main.cpp" -o "$work/pkgconfig-consumer-blobs" \
  $(pkg-config --cflags --libs stowage-blobs)
check "pkg-config stowage-blobs" "$work/pkgconfig-consumer-blobs"

if command -v meson >/dev/null; then
  CXX=$cxx meson setup "$work/meson" "$src/examples/consumer" >/dev/null
  meson compile -C "$work/meson" >/dev/null
  check "meson dependency('stowage')" "$work/meson/consumer"
  CXX=$cxx meson setup "$work/meson-postgres" "$src/examples/consumer_postgres" >/dev/null
  meson compile -C "$work/meson-postgres" >/dev/null
  check_postgres "meson dependency('stowage-postgres')" "$work/meson-postgres/consumer_postgres"
  CXX=$cxx meson setup "$work/meson-blobs" "$src/examples/consumer_blobs" >/dev/null
  meson compile -C "$work/meson-blobs" >/dev/null
  check "meson dependency('stowage-blobs')" "$work/meson-blobs/consumer_blobs"

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
  cmake_consumer_postgres "meson install, find_package(stowage COMPONENTS sqlite postgres)" "$meson_prefix" \
    "$work/cmake-meson-postgres"
  cmake_consumer_blobs "meson install, find_package(stowage COMPONENTS blobs)" "$meson_prefix" "$work/cmake-meson-blobs"
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
find_package(stowage CONFIG REQUIRED COMPONENTS mysql)
CMAKE
  if out=$(cmake -S "$work/missing" -B "$work/missing/build-$name" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$p" 2>&1); then
    echo "$name: find_package(stowage COMPONENTS mysql) succeeded"; exit 1
  fi
  grep -q "mysql backend is coming" <<<"$out" || { echo "$name: unexpected message: $out"; exit 1; }
  echo "$name: find_package(stowage COMPONENTS mysql): refused as expected"

  # and a backend whose client library is missing says which library
  if out=$(cmake -S "$src/examples/consumer" -B "$work/nosqlite-$name" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$p" \
    -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON 2>&1); then
    echo "$name: find_package(stowage COMPONENTS sqlite) succeeded without SQLite3"; exit 1
  fi
  grep -q "libsqlite3" <<<"$out" || { echo "$name: unexpected message: $out"; exit 1; }
  echo "$name: find_package(stowage COMPONENTS sqlite) without SQLite3: refused, naming libsqlite3"
  if out=$(cmake -S "$src/examples/consumer_postgres" -B "$work/nopostgres-$name" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$p" \
    -DCMAKE_DISABLE_FIND_PACKAGE_PostgreSQL=ON 2>&1); then
    echo "$name: find_package(stowage COMPONENTS sqlite postgres) succeeded without PostgreSQL"; exit 1
  fi
  grep -q "libpq" <<<"$out" || { echo "$name: unexpected message: $out"; exit 1; }
  echo "$name: find_package(stowage COMPONENTS postgres) without PostgreSQL: refused, naming libpq"
  if out=$(cmake -S "$src/examples/consumer_blobs" -B "$work/noblobs-$name" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$p" \
    -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON 2>&1); then
    echo "$name: find_package(stowage COMPONENTS blobs) succeeded without OpenSSL"; exit 1
  fi
  grep -q "libcrypto" <<<"$out" || { echo "$name: unexpected message: $out"; exit 1; }
  echo "$name: find_package(stowage COMPONENTS blobs) without OpenSSL: refused, naming libcrypto"
done
