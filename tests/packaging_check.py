#!/usr/bin/env python3
"""Checks what can be checked of the vcpkg port and the Conan recipe without their registries:
the manifest is valid JSON of the right shape, the recipe parses and declares what it should,
both install through the project's own CMake install, every version agrees, and the released
backends (sqlite, postgres) are offered while the coming one (mysql) is refused. The recipe's
validate(), requirements() and package_info() are run against stand-ins for the conan modules,
so Conan itself is not needed."""
import ast
import json
import pathlib
import re
import sys
import types

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
for feature, lib in (("sqlite", "sqlite3"), ("postgres", "libpq"), ("mysql", "libmariadb"), ("blobs", "openssl")):
    expect(feature in features, f"vcpkg.json: no feature {feature}")
    expect(lib in features.get(feature, {}).get("dependencies", []), f"vcpkg.json: feature {feature} lacks {lib}")
    expect(bool(features.get(feature, {}).get("description")), f"vcpkg.json: feature {feature} has no description")
# released backends are not described as coming; the coming one is
for feature in ("sqlite", "postgres", "blobs"):
    expect("coming" not in features.get(feature, {}).get("description", ""),
           f"vcpkg.json: feature {feature} is described as coming")
expect("coming" in features.get("mysql", {}).get("description", ""), "vcpkg.json: feature mysql is not described as coming")
usage = (root / "packaging/vcpkg/stowage/usage").read_text()
for component in ("sqlite", "postgres", "blobs"):
    expect(f"stowage::{component}" in usage, f"usage: does not show stowage::{component}")

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
expect(set(attrs.get("options", {})) == {"sqlite", "postgres", "mysql", "blobs"},
       "conanfile.py: options are not one per backend and blobs")
expect("cmake.install()" in recipe_text, "conanfile.py: does not use the project's CMake install")


class Invalid(Exception):
    pass


def run_recipe(**option_values):
    """Runs validate(), requirements() and package_info() of the recipe with the given options
    against stand-ins for the conan modules. Returns (refusal or None, requires, components)."""
    class Options:
        def __init__(self, values):
            self.__dict__.update(values)

        def get_safe(self, name, default=None):
            return self.__dict__.get(name, default)

    class Component:
        def __init__(self):
            self.properties, self.requires = {}, []

        def set_property(self, name, value):
            self.properties[name] = value

    class CppInfo(Component):
        def __init__(self):
            super().__init__()
            self.components = {}
            self.bindirs = self.libdirs = None

    class Components(dict):
        def __missing__(self, key):
            self[key] = Component()
            return self[key]

    class ConanFile:
        pass

    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        return m

    def unused(*args, **kwargs):
        raise AssertionError("not called by the checks")

    stand_ins = {
        "conan": module("conan", ConanFile=ConanFile),
        "conan.errors": module("conan.errors", ConanInvalidConfiguration=Invalid),
        "conan.tools": module("conan.tools"),
        "conan.tools.cmake": module("conan.tools.cmake", CMake=unused, CMakeToolchain=unused, cmake_layout=unused),
        "conan.tools.files": module("conan.tools.files", copy=unused),
    }
    saved = {name: sys.modules.get(name) for name in stand_ins}
    sys.modules.update(stand_ins)
    try:
        namespace = {"__name__": "conanfile"}
        exec(compile(recipe_text, "conanfile.py", "exec"), namespace)
        recipe_class = next(v for v in namespace.values() if isinstance(v, type) and issubclass(v, ConanFile)
                            and v is not ConanFile)
        conanfile = recipe_class()
        conanfile.options = Options({**recipe_class.default_options, **option_values})
        conanfile.version = recipe_class.version
        requires = []
        conanfile.requires = lambda ref, **kwargs: requires.append((ref, kwargs))
        conanfile.cpp_info = CppInfo()
        conanfile.cpp_info.components = Components()
        try:
            conanfile.validate()
        except Invalid as refusal:
            return str(refusal), [], {}
        conanfile.requirements()
        conanfile.package_info()
        return None, requires, conanfile.cpp_info.components
    finally:
        for name, m in saved.items():
            if m is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = m


try:
    refusal, requires, components = run_recipe(sqlite=True, postgres=True, blobs=True)
    expect(refusal is None, f"conanfile.py: postgres=True blobs=True is refused: {refusal}")
    refs = {ref.split("/")[0]: kwargs for ref, kwargs in requires}
    for lib in ("sqlite3", "libpq", "openssl") if refusal is None else ():
        expect(lib in refs, f"conanfile.py: sqlite=True postgres=True does not require {lib}")
        expect(refs.get(lib, {}).get("transitive_headers"), f"conanfile.py: {lib} is not required with transitive_headers")
    for component, lib_component in (("sqlite", "sqlite3::sqlite3"), ("postgres", "libpq::libpq"),
                                     ("blobs", "openssl::crypto")) if refusal is None else ():
        c = components.get(component)
        expect(c is not None and c.properties.get("cmake_target_name") == f"stowage::{component}",
               f"conanfile.py: no component {component} with the CMake target stowage::{component}")
        expect(c is not None and lib_component in c.requires and "core" in c.requires,
               f"conanfile.py: component {component} does not require core and {lib_component}")
    refusal, requires, components = run_recipe(postgres=False)
    expect(refusal is None and not any(ref.startswith("libpq/") for ref, _ in requires) and "postgres" not in components,
           "conanfile.py: postgres=False still requires libpq or declares stowage::postgres")
    refusal, requires, components = run_recipe(blobs=False)
    expect(refusal is None and not any(ref.startswith("openssl/") for ref, _ in requires) and "blobs" not in components,
           "conanfile.py: blobs=False still requires openssl or declares stowage::blobs")
    refusal, _, _ = run_recipe(mysql=True)
    expect(refusal is not None and "coming" in refusal, "conanfile.py: mysql=True is not refused as coming")
except Exception as e:  # a recipe the stand-ins cannot run is a problem to report, not a crash
    problems.append(f"conanfile.py: running validate/requirements/package_info failed: {type(e).__name__}: {e}")
expect((root / "packaging/conan/test_package/conanfile.py").exists(), "conan: no test_package")
ast.parse((root / "packaging/conan/test_package/conanfile.py").read_text())

meson = (root / "meson.build").read_text()
m = re.search(r"version\s*:\s*'([0-9.]+)'", meson)
expect(m and m.group(1) == version, "meson.build: version differs from CMakeLists.txt")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"vcpkg port and Conan recipe of stowage {version}: manifest, recipe and versions agree")
