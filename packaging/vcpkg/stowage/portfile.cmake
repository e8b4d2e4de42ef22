# An overlay port that installs stowage from this checkout with the project's own install rules:
#   vcpkg install stowage[sqlite] --overlay-ports=<repo>/packaging/vcpkg
# A registry port would fetch a release with vcpkg_from_github instead of SOURCE_PATH below.
set(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../..")
set(VCPKG_BUILD_TYPE release)  # header-only: nothing differs between debug and release

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    -DSTOWAGE_BUILD_TESTS=OFF
    -DSTOWAGE_BUILD_EXAMPLES=OFF
    -DSTOWAGE_BUILD_BENCHMARKS=OFF
    -DSTOWAGE_INSTALL=ON
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/stowage)
vcpkg_fixup_pkgconfig()
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
