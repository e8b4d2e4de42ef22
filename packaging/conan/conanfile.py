"""Conan 2 recipe for stowage, a header-only library: it packages the headers with the project's
own CMake install (the same install the consumer test exercises), one option per backend and one
for the blob store (<stowage/blobs.hpp>, on OpenSSL's libcrypto).

    conan create packaging/conan -o "stowage/*:sqlite=True" -o "stowage/*:postgres=True" -o "stowage/*:blobs=True"
"""
import os

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout
from conan.tools.files import copy


class StowageConan(ConanFile):
    name = "stowage"
    version = "0.1.0"
    license = "MIT"
    description = "Typed records in compile-time chosen storage backends: memory, json_dir, SQLite, PostgreSQL (C++20)"
    topics = ("database", "orm", "sqlite", "postgresql", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"sqlite": [True, False], "postgres": [True, False], "mysql": [True, False], "blobs": [True, False]}
    default_options = {"sqlite": True, "postgres": False, "mysql": False, "blobs": False}
    no_copy_source = True

    def export_sources(self):
        root = os.path.join(self.recipe_folder, "..", "..")
        for pattern in ("CMakeLists.txt", "LICENSE", "cmake/*", "include/*"):
            copy(self, pattern, src=root, dst=self.export_sources_folder)

    def validate(self):
        from conan.errors import ConanInvalidConfiguration

        for backend in ("mysql",):
            if self.options.get_safe(backend):
                raise ConanInvalidConfiguration(f"stowage's {backend} backend is coming but not in {self.version}")

    def requirements(self):
        self.requires("boost/[>=1.74]", transitive_headers=True)
        self.requires("nlohmann_json/[>=3.10]", transitive_headers=True)
        if self.options.sqlite:
            self.requires("sqlite3/[>=3.35]", transitive_headers=True)
        if self.options.postgres:
            # ConanCenter's libpq: CMake package PostgreSQL, target PostgreSQL::PostgreSQL
            self.requires("libpq/[>=15]", transitive_headers=True)
        if self.options.blobs:
            # ConanCenter's openssl: CMake package OpenSSL, target OpenSSL::Crypto
            self.requires("openssl/[>=3]", transitive_headers=True)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        for option in ("STOWAGE_BUILD_TESTS", "STOWAGE_BUILD_EXAMPLES", "STOWAGE_BUILD_BENCHMARKS"):
            tc.cache_variables[option] = False
        tc.cache_variables["STOWAGE_INSTALL"] = True
        tc.generate()

    def package(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.install()

    def package_id(self):
        self.info.clear()

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "stowage")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.components["core"].set_property("cmake_target_name", "stowage::stowage")
        self.cpp_info.components["core"].requires = ["boost::headers", "nlohmann_json::nlohmann_json"]
        if self.options.sqlite:
            self.cpp_info.components["sqlite"].set_property("cmake_target_name", "stowage::sqlite")
            self.cpp_info.components["sqlite"].requires = ["core", "sqlite3::sqlite3"]
        if self.options.postgres:
            self.cpp_info.components["postgres"].set_property("cmake_target_name", "stowage::postgres")
            self.cpp_info.components["postgres"].requires = ["core", "libpq::libpq"]
        if self.options.blobs:
            self.cpp_info.components["blobs"].set_property("cmake_target_name", "stowage::blobs")
            self.cpp_info.components["blobs"].requires = ["core", "openssl::crypto"]
