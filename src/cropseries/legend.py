"""Class legends: the classes a model learns, in index order, and the labels that make up each.

A legend is a YAML file (the manual's "Your own classes" page documents it), and the built-in
`course` and `slides` legends are two such files shipped in `data/legends/`. It declares the
classes in index order and the labels of each (CDL names, codes or code ranges; or, with
`labels: names`, the names of the user's own scheme, found in the course layout's `CDL`
column), the class that takes every CDL label no class lists (`rest`), which labels are
double crops, and the vegetation rule the loader applies per window (or none). Reading the
data is not this module's business: it turns label names into codes and codes into classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import yaml

from cropseries.cdl import double_crop_codes, name_to_code
from cropseries.errors import ConfigError, CropseriesError
from cropseries.layout import SCL_NAMES

#: The legends that ship with the package, by name.
BUILT_IN = ("course", "slides")
_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")


class LegendError(CropseriesError, ValueError):
    """A legend file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class VegetationRule:
    """A class other than those `exempt` becomes `becomes` unless one of the last
    `last_buckets` filled buckets of its window has an SCL value in `scl` (course: 4,
    vegetation, in the last two)."""

    becomes: str
    exempt: tuple[str, ...]
    scl: tuple[int, ...] = (4,)
    last_buckets: int = 2


@dataclass(frozen=True)
class ClassLegend:
    """The training classes in index order, and the label codes that make up each.

    `scheme` "cdl": codes are CDL codes (0..255) and every code no class lists falls into
    `rest`. `scheme` "names": the codes are positions in `names`, the label names the legend
    lists, and a name it does not list is unknown.
    """

    classes: tuple[str, ...]
    members: tuple[tuple[str, tuple[int, ...]], ...]
    rest: str | None
    rule: VegetationRule | None
    double_crops: frozenset[int] = frozenset()
    keep_double_crops_in: tuple[str, ...] = field(default=("test",), compare=False)
    """The splits that keep double crops (the course: test); the others exclude them. Not
    part of a legend's identity: 01_split stores the one it applied."""
    scheme: str = "cdl"
    names: tuple[str, ...] = ()
    name: str = field(default="custom", compare=False)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def rest_index(self) -> int | None:
        return None if self.rest is None else self.classes.index(self.rest)

    @property
    def no_crop_index(self) -> int | None:
        """The class the vegetation rule gives (course: No Crop Growing); None without one."""
        return None if self.rule is None else self.classes.index(self.rule.becomes)

    @property
    def num_codes(self) -> int:
        return 256 if self.scheme == "cdl" else len(self.names)

    def name_codes(self) -> dict[str, int]:
        """Label name to code: the CDL legend's names, or the legend's own."""
        if self.scheme == "cdl":
            return name_to_code()
        return {label: code for code, label in enumerate(self.names)}

    def codes(self, labels: pa.Array) -> np.ndarray:
        """Codes of an Arrow array (or chunked array) of label names (binary or string,
        dictionary-encoded or not): int16 [n], -1 if unknown or null. Each distinct name is
        looked up once: a column holds a handful, so this costs about the dictionary
        encoding."""
        if isinstance(labels, pa.ChunkedArray):
            labels = labels.combine_chunks()
        encoded = labels if pa.types.is_dictionary(labels.type) else labels.dictionary_encode()
        names = encoded.dictionary
        if not pa.types.is_string(names.type):
            names = names.cast(pa.string())
        mapping = self.name_codes()
        found = [mapping.get(name, -1) for name in names.to_pylist()]
        codes = np.array([*found, -1], np.int16)  # the last for nulls
        return codes[np.asarray(encoded.indices.fill_null(len(found)))]

    def code_to_label(self) -> np.ndarray:
        """Lookup table int16 [num_codes]: label code to class index, before the vegetation
        rule; -1 for a code of no class (only where there is no `rest` class). Read-only:
        built once per legend."""
        return _code_to_label(self)

    def label_of(self, label_name: str) -> int | None:
        """Class index of a label name, None if the legend does not know the name."""
        code = self.name_codes().get(label_name)
        return None if code is None else int(self.code_to_label()[code])


@cache
def _code_to_label(legend: ClassLegend) -> np.ndarray:
    table = np.full(legend.num_codes, -1 if legend.rest is None else legend.rest_index, np.int16)
    for label, codes in legend.members:
        table[list(codes)] = legend.classes.index(label)
    table.flags.writeable = False
    return table


# -- reading and writing legend files --------------------------------------------------------


def load_legend(spec: str) -> ClassLegend:
    """A built-in legend by name ("course", "slides") or a legend file by path."""
    if spec in BUILT_IN:
        return _built_in(spec)
    path = Path(spec)
    if not path.suffix and not path.exists():
        raise ConfigError(f"unknown legend {spec!r}: give a legend file or one of {BUILT_IN}")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise LegendError(f"{spec}: not a readable legend file ({error})") from None
    return parse_legend(text, str(spec))


@cache
def _built_in(name: str) -> ClassLegend:
    text = resources.files("cropseries").joinpath(f"data/legends/{name}.yaml").read_text()
    return parse_legend(text, f"the built-in legend {name!r}")


def course_legend() -> ClassLegend:
    """The course code's seven classes in its model's index order (course_facts section 3)."""
    return _built_in("course")


def parse_legend(text: str, source: str) -> ClassLegend:
    """The legend a YAML text declares; `LegendError` naming `source` and the entry if it is
    not a usable legend."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        detail = " ".join(str(error).split())
        raise LegendError(f"{source}: not valid YAML ({detail})") from None
    if not isinstance(data, dict) or not isinstance(data.get("classes"), list):
        raise LegendError(f"{source}: expected a mapping with a list of `classes`")
    return _Parser(source, data).legend()


def dump_legend(legend: ClassLegend) -> str:
    """The legend as a legend file, labels written as codes (CDL) or names (own scheme), so
    that `parse_legend` gives it back exactly."""
    spell = (lambda c: c) if legend.scheme == "cdl" else (lambda c: legend.names[c])
    members = dict(legend.members)
    classes = []
    for name in legend.classes:
        entry: dict = {"name": name}
        if name == legend.rest:
            entry["rest"] = True
        if members.get(name):
            entry["labels"] = [spell(c) for c in members[name]]
        classes.append(entry)
    rule = legend.rule
    data = {
        "name": legend.name,
        "labels": legend.scheme,
        "classes": classes,
        "double_crops": [spell(c) for c in sorted(legend.double_crops)],
        "keep_double_crops_in": list(legend.keep_double_crops_in),
        "vegetation_rule": None
        if rule is None
        else {
            "becomes": rule.becomes,
            "except": list(rule.exempt),
            "scl": list(rule.scl),
            "last_buckets": rule.last_buckets,
        },
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


class _Parser:
    """Reads one legend mapping, entry by entry, with messages that name the entry."""

    def __init__(self, source: str, data: dict):
        self.source, self.data = source, data
        self.scheme = data.get("labels", "cdl")
        if self.scheme not in ("cdl", "names"):
            self.fail(f"labels: {self.scheme!r}, expected 'cdl' or 'names'")
        self.names: list[str] = []  # the own scheme's label names, in order of appearance

    def fail(self, problem: str):
        raise LegendError(f"{self.source}: {problem}")

    def legend(self) -> ClassLegend:
        classes, members, rest = self.classes()
        rule = self.rule(classes)
        emptied = [c for c in classes if not members[c] and c not in (rest, rule and rule.becomes)]
        if emptied:
            self.fail(f"class {emptied[0]!r} has no labels (give it labels, or make it `rest`)")
        if self.scheme == "cdl" and rest is None:
            self.fail("no class takes the labels no class lists: mark one with `rest: true`")
        return ClassLegend(
            classes=tuple(classes),
            members=tuple((c, tuple(members[c])) for c in classes if members[c]),
            rest=rest,
            rule=rule,
            double_crops=self.double_crops(),
            keep_double_crops_in=self.kept_in(),
            scheme=self.scheme,
            names=tuple(self.names),
            name=str(self.data.get("name") or Path(self.source).stem),
        )

    def classes(self) -> tuple[list[str], dict[str, list[int]], str | None]:
        classes: list[str] = []
        members: dict[str, list[int]] = {}
        owner: dict[int, str] = {}
        rest = None
        for i, entry in enumerate(self.data["classes"]):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                self.fail(f"classes[{i}]: expected a mapping with a `name`")
            name = entry["name"]
            if name in members:
                self.fail(f"classes[{i}]: class {name!r} is declared twice")
            classes.append(name)
            members[name] = []
            if entry.get("rest"):
                if rest is not None:
                    self.fail(f"classes[{i}] ({name}): `rest` is already class {rest!r}")
                rest = name
            for label in entry.get("labels") or []:
                for code in self.codes(label, f"classes[{i}] ({name})"):
                    if code in owner:
                        self.fail(
                            f"classes[{i}] ({name}): label {label!r} is already in class "
                            f"{owner[code]!r}"
                        )
                    owner[code] = name
                    members[name].append(code)
        if not classes:
            self.fail("`classes` is empty")
        return classes, members, rest

    def codes(self, label, where: str) -> list[int]:
        """The codes one label entry stands for: a name, a CDL code or a range "225-241"."""
        if self.scheme == "names":
            if not isinstance(label, str):
                self.fail(f"{where}: {label!r} is not a label name (`labels: names`)")
            if label not in self.names:
                self.names.append(label)
            return [self.names.index(label)]
        if isinstance(label, bool) or not isinstance(label, int | str):
            self.fail(f"{where}: {label!r} is not a CDL name, code or range")
        if isinstance(label, int):
            return [self.cdl_code(label, where)]
        match = _RANGE.match(label)
        if match:
            first, last = (self.cdl_code(int(v), where) for v in match.groups())
            return list(range(first, last + 1))
        code = name_to_code().get(label)
        if code is None:
            self.fail(f"{where}: {label!r} is not a CDL class name")
        return [code]

    def cdl_code(self, code: int, where: str) -> int:
        if not 0 <= code <= 255:
            self.fail(f"{where}: {code} is not a CDL code (0..255)")
        return code

    def double_crops(self) -> frozenset[int]:
        value = self.data.get("double_crops", "cdl" if self.scheme == "cdl" else None)
        if value in (None, "none"):
            return frozenset()
        if value == "cdl":
            if self.scheme != "cdl":
                self.fail("double_crops: 'cdl' needs `labels: cdl`; list the labels instead")
            return double_crop_codes()
        if not isinstance(value, list):
            self.fail("double_crops: expected 'cdl', 'none' or a list of labels")
        known = set(self.names)
        codes = set()
        for label in value:
            if self.scheme == "names" and label not in known:
                self.fail(f"double_crops: {label!r} is not a label of any class")
            codes.update(self.codes(label, "double_crops"))
        return frozenset(codes)

    def kept_in(self) -> tuple[str, ...]:
        value = self.data.get("keep_double_crops_in", ["test"])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"keep_double_crops_in: {value!r}, expected a list of split names")
        return tuple(value)

    def rule(self, classes: list[str]) -> VegetationRule | None:
        value = self.data.get("vegetation_rule")
        if value in (None, "none"):
            return None
        if not isinstance(value, dict) or "becomes" not in value:
            self.fail("vegetation_rule: expected a mapping with `becomes` (or 'none')")
        named = [value["becomes"], *value.get("except", [])]
        unknown = [c for c in named if c not in classes]
        if unknown:
            self.fail(f"vegetation_rule: {unknown[0]!r} is not one of the classes {classes}")
        scl = tuple(value.get("scl", [4]))
        if not scl or any(c not in SCL_NAMES for c in scl):
            self.fail(f"vegetation_rule: scl {list(scl)} are not SCL codes (0..11)")
        last = value.get("last_buckets", 2)
        if not isinstance(last, int) or last < 1:
            self.fail(f"vegetation_rule: last_buckets {last!r} must be a whole number >= 1")
        return VegetationRule(value["becomes"], tuple(value.get("except", [])), scl, last)
