#!/usr/bin/env python3
"""Checks what can be checked of the vcpkg port and the Conan recipe without their registries:
the manifest is valid JSON of the right shape, the recipe parses and declares what it should,
both install through the project's own CMake install, and every version agrees."""
import ast
import json
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
problems = []


def expect(cond, what):
    if not cond:
        problems.append(what)


version = re.search(r"project\(stowage VERSION ([0-9.]+)", (root / "CMakeLists.txt").read_text()).group(1)

manifest = json.loads((root / "packaging/vcpkg/stowage/vcpkg.json").read_text())
expect(manifest.get("name") == "stowage", "vcpkg.json: name is not stowage")
expect(manifest.get("version") == version, f"vcpkg.json: version {manifest.get('version')} is not {version}")
expect(manifest.get("license") == "MIT", "vcpkg.json: license is not MIT")
deps = [d if isinstance(d, str) else d["name"] for d in manifest.get("dependencies", [])]
for d in ("boost-hana", "nlohmann-json", "vcpkg-cmake", "vcpkg-cmake-config"):
    expect(d in deps, f"vcpkg.json: no dependency on {d}")
features = manifest.get("features", {})
for feature, lib in (("sqlite", "sqlite3"), ("postgres", "libpq"), ("mysql", "libmariadb")):
    expect(feature in features, f"vcpkg.json: no feature {feature}")
    expect(lib in features.get(feature, {}).get("dependencies", []), f"vcpkg.json: feature {feature} lacks {lib}")
    expect(bool(features.get(feature, {}).get("description")), f"vcpkg.json: feature {feature} has no description")

portfile = (root / "packaging/vcpkg/stowage/portfile.cmake").read_text()
for call in ("vcpkg_cmake_configure", "vcpkg_cmake_install", "vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/stowage)",
             "-DSTOWAGE_INSTALL=ON", "vcpkg_install_copyright"):
    expect(call in portfile, f"portfile.cmake: no {call}")

recipe_text = (root / "packaging/conan/conanfile.py").read_text()
recipe = ast.parse(recipe_text)
classes = [n for n in recipe.body if isinstance(n, ast.ClassDef)]
expect(len(classes) == 1 and classes[0].bases and getattr(classes[0].bases[0], "id", "") == "ConanFile",
       "conanfile.py: no ConanFile class")
attrs = {}
for node in classes[0].body if classes else []:
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        try:
            attrs[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            pass
expect(attrs.get("name") == "stowage", "conanfile.py: name is not stowage")
expect(attrs.get("version") == version, f"conanfile.py: version {attrs.get('version')} is not {version}")
expect(attrs.get("package_type") == "header-library", "conanfile.py: not a header-library")
expect(set(attrs.get("options", {})) == {"sqlite", "postgres", "mysql"}, "conanfile.py: options are not one per backend")
expect("cmake.install()" in recipe_text, "conanfile.py: does not use the project's CMake install")
expect((root / "packaging/conan/test_package/conanfile.py").exists(), "conan: no test_package")
ast.parse((root / "packaging/conan/test_package/conanfile.py").read_text())

meson = (root / "meson.build").read_text()
m = re.search(r"version\s*:\s*'([0-9.]+)'", meson)
expect(m and m.group(1) == version, "meson.build: version differs from CMakeLists.txt")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"vcpkg port and Conan recipe of stowage {version}: manifest, recipe and versions agree")
