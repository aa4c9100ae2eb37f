"""Rebuild ``fakeapi/apimachinery/go_json_fields.json``: which fields Go's encoding/json always writes.

A real API server encodes its Go structs with encoding/json, which never leaves out a struct-valued
field (``"status":{}`` on a fresh Deployment: ``omitempty`` does nothing for structs), writes the
zero value of every scalar without ``omitempty`` (a StatefulSet's ``status.replicas: 0``), and
leaves out a field tagged ``omitzero`` when it is zero. (It also writes ``null`` for a nil slice,
map or pointer without ``omitempty``; the table leaves those out, see ``Deriver._rule``.) Types with a MarshalJSON of their own write their zero value their way: Time and
MicroTime as ``null``, Quantity as ``"0"``, IntOrString as ``0``, Duration as ``"0s"``,
RawExtension and FieldsV1 as ``null``.

This script reads the json tags of the Go types of k8s.io/api and k8s.io/apimachinery's meta/v1
(a checkout of each at the Kubernetes version served) and writes, for every type that holds such
a field, a table the encoder walks (``fakeapi.apimachinery.gojson``). Only the derived table is
kept in the repository, not the sources.

Usage::

    python scripts/build_go_json_fields.py K8S_API_DIR K8S_APIMACHINERY_DIR
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "fakeapi" / "apimachinery" / "go_json_fields.json"

_SCALAR_ZEROS: dict[str, Any] = {
    "string": "",
    "bool": False,
    **{
        name: 0
        for name in ("byte", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64")
    },
    "float32": 0,
    "float64": 0,
}
# Types with a MarshalJSON of their own, by package-qualified name: what their zero value encodes to.
_MARSHALLED_ZEROS: dict[str, Any] = {
    "meta/v1.Time": None,
    "meta/v1.MicroTime": None,
    "meta/v1.Duration": "0s",
    "meta/v1.FieldsV1": None,
    "resource.Quantity": "0",
    "intstr.IntOrString": 0,
    "runtime.RawExtension": None,
}
# Where the apimachinery packages the API types import live, and the short names used here.
_APIMACHINERY_PACKAGES = {
    "k8s.io/apimachinery/pkg/apis/meta/v1": ("pkg/apis/meta/v1", "meta/v1"),
    "k8s.io/apimachinery/pkg/api/resource": ("pkg/api/resource", "resource"),
    "k8s.io/apimachinery/pkg/util/intstr": ("pkg/util/intstr", "intstr"),
    "k8s.io/apimachinery/pkg/runtime": ("pkg/runtime", "runtime"),
    "k8s.io/apimachinery/pkg/types": ("pkg/types", "types"),
}

_IMPORT = re.compile(r'^\s*(?:(\w+)\s+)?"([^"]+)"\s*$')
_TYPE_DECL = re.compile(r"^type (\w+) (?:= )?(.+?)\s*(?://.*)?$")
_FIELD = re.compile(r"^\s*(\w+)\s+(\S+)\s+`([^`]*)`")
_EMBEDDED = re.compile(r"^\s*(\*?[\w.]+)\s+`([^`]*)`")
_JSON_TAG = re.compile(r'json:"([^"]*)"')


@dataclass
class Field:
    json_name: str
    go_type: str
    omitempty: bool
    omitzero: bool


@dataclass
class Package:
    short: str
    imports: dict[str, str]  # alias → short package name
    structs: dict[str, list[Field]]
    aliases: dict[str, str]  # named non-struct type → its underlying type expression
    group: str | None = None


def _imports(text: str, known: dict[str, str]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    block = re.search(r"^import \((.*?)^\)", text, re.S | re.M)
    lines = block.group(1).splitlines() if block else re.findall(r"^import (.+)$", text, re.M)
    for line in lines:
        match = _IMPORT.match(line)
        if match and match.group(2) in known:
            alias = match.group(1) or match.group(2).rsplit("/", 1)[-1]
            aliases[alias] = known[match.group(2)]
    return aliases


def _parse_package(directory: Path, short: str, known: dict[str, str]) -> Package:
    package = Package(short, {}, {}, {})
    for path in sorted(directory.glob("*.go")):
        if path.name.endswith("_test.go") or path.name.startswith("zz_generated") or path.name == "generated.pb.go":
            continue
        text = path.read_text()
        package.imports.update(_imports(text, known))
        group = re.search(r'^const GroupName = "([^"]*)"', text, re.M)
        if group:
            package.group = group.group(1)
        lines = text.splitlines()
        index = 0
        while index < len(lines):
            line = lines[index]
            struct = re.match(r"^type (\w+) struct \{\s*$", line)
            if struct:
                fields: list[Field] = []
                index += 1
                while not lines[index].startswith("}"):
                    fields.extend(_field(lines[index]))
                    index += 1
                package.structs[struct.group(1)] = fields
            elif re.match(r"^type \w+ struct\s*\{\s*\}", line):
                package.structs[line.split()[1]] = []
            else:
                decl = _TYPE_DECL.match(line)
                if decl and not decl.group(2).startswith(("struct", "interface", "func")):
                    package.aliases[decl.group(1)] = decl.group(2)
            index += 1
    return package


def _field(line: str) -> list[Field]:
    if line.lstrip().startswith("//"):
        return []
    match = _FIELD.match(line)
    if match:
        go_type, tags = match.group(2), match.group(3)
    else:
        embedded = _EMBEDDED.match(line)
        if not embedded:
            return []
        go_type, tags = embedded.group(1), embedded.group(2)
    tag = _JSON_TAG.search(tags)
    if tag is None or tag.group(1) == "-":
        return []
    name, *options = tag.group(1).split(",")
    if "inline" in options:
        return [Field("", go_type, False, False)]
    return [Field(name, go_type, "omitempty" in options, "omitzero" in options)]


class Deriver:
    """Resolves Go types across packages into the encoder's table."""

    def __init__(self, packages: dict[str, Package]) -> None:
        self.packages = packages
        self.table: dict[str, dict[str, list[Any]]] = {}
        self._done: set[str] = set()

    def _qualify(self, package: Package, go_type: str) -> tuple[Package, str]:
        if "." in go_type:
            alias, name = go_type.split(".", 1)
            return self.packages[package.imports[alias]], name
        return package, go_type

    def _resolve(self, package: Package, go_type: str) -> tuple[str, Any]:
        """(kind, detail): scalar (zero), special (zero), struct (type id), pointer, slice or map (element)."""
        if go_type.startswith("*"):
            return "pointer", (package, go_type[1:])
        if go_type.startswith("[]"):
            return "slice", (package, go_type[2:])
        if go_type.startswith("map["):
            return "map", (package, go_type[go_type.index("]") + 1 :])
        if go_type in _SCALAR_ZEROS:
            return "scalar", _SCALAR_ZEROS[go_type]
        owner, name = self._qualify(package, go_type)
        type_id = f"{owner.short}.{name}"
        if type_id in _MARSHALLED_ZEROS:
            return "special", _MARSHALLED_ZEROS[type_id]
        if name in owner.aliases:
            return self._resolve(owner, owner.aliases[name])
        if name in owner.structs:
            return "struct", (owner, name)
        raise KeyError(f"unknown Go type {type_id}")

    def _element_struct(self, detail: tuple[Package, str]) -> str | None:
        """The type id of a struct element (of a pointer, slice or map) whose encoding needs the table."""
        kind, inner = self._resolve(*detail)
        if kind == "pointer":
            return self._element_struct(inner)
        if kind == "struct":
            return self.derive(*inner)
        return None

    def derive(self, package: Package, name: str) -> str | None:
        """The table entry of a struct (its id), or None when encoding it adds nothing."""
        type_id = f"{package.short}.{name}"
        if type_id in self._done:
            return type_id if type_id in self.table else None
        self._done.add(type_id)
        # Filled in as found, so that recursive types see themselves.
        entry: dict[str, list[Any]] = {}
        self.table[type_id] = entry
        for field in package.structs[name]:
            if not field.json_name:
                inlined = self._element_struct((package, field.go_type.lstrip("*")))
                if inlined is not None:
                    entry.update(self.table[inlined])
                continue
            rule = self._rule(package, field)
            if rule is not None:
                entry[field.json_name] = rule
        if not entry:
            del self.table[type_id]
            return None
        return type_id

    def _rule(self, package: Package, field: Field) -> list[Any] | None:
        kind, detail = self._resolve(package, field.go_type)
        if kind in ("scalar", "special"):
            if field.omitzero or (field.omitempty and kind == "scalar"):
                return None
            return ["zero", detail]
        if kind == "struct":
            nested = self.derive(*detail)
            if field.omitzero:
                return ["each", nested] if nested else None
            return ["struct", nested]
        # Pointers, slices and maps: their struct elements walked. Go writes a nil one without
        # omitempty as null; that null is left out here, since what reads the stored objects
        # (controllers, the authorizer) takes an absent list for an empty one but not a null.
        element = self._element_struct(detail)
        mode = {"pointer": "each", "slice": "items", "map": "values"}[kind]
        return [mode, element] if element else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("api", type=Path, help="a checkout of k8s.io/api")
    parser.add_argument("apimachinery", type=Path, help="a checkout of k8s.io/apimachinery")
    args = parser.parse_args()
    known = {path: short for path, (_, short) in _APIMACHINERY_PACKAGES.items()}
    api_dirs = sorted(p.parent for p in args.api.glob("*/*/types.go"))
    for directory in api_dirs:
        relative = directory.relative_to(args.api).as_posix()
        known[f"k8s.io/api/{relative}"] = relative
    packages: dict[str, Package] = {}
    for directory, short in _APIMACHINERY_PACKAGES.values():
        packages[short] = _parse_package(args.apimachinery / directory, short, known)
    for directory in api_dirs:
        short = directory.relative_to(args.api).as_posix()
        packages[short] = _parse_package(directory, short, known)
    deriver = Deriver(packages)
    kinds: dict[str, str] = {}
    for directory in api_dirs:
        package = packages[directory.relative_to(args.api).as_posix()]
        version = directory.name
        for name, fields in package.structs.items():
            if any(not f.json_name and f.go_type.endswith("TypeMeta") for f in fields) and not name.endswith("List"):
                type_id = deriver.derive(package, name)
                if type_id is not None and package.group is not None:
                    group_version = f"{package.group}/{version}" if package.group else version
                    kinds[f"{group_version}/{name}"] = type_id
    OUTPUT.write_text(
        json.dumps({"kinds": kinds, "types": deriver.table}, sort_keys=True, separators=(",", ":")) + "\n"
    )
    print(f"{OUTPUT}: {len(kinds)} kinds, {len(deriver.table)} types")


if __name__ == "__main__":
    main()
