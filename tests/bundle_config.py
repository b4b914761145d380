"""Reading the bundle the way `databricks bundle validate` would, offline, for the tests.

`load_bundle` merges databricks.yml, its includes and one target, resolves relative paths and
substitutes variables; `job_tasks` orders a job's tasks by `depends_on`; the notebook helpers
read what a notebook does with its widgets and whether it calls Spark APIs that serverless
compute (Spark Connect) lacks. Nothing here talks to a workspace.
"""

from __future__ import annotations

import ast
import copy
import glob
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
#: The CLI's JSON schema for databricks.yml, in `shared/` beside the repository (or a worktree's
#: parent folders); None where no checkout has it.
SCHEMA_PATH = next(
    (
        folder / "shared" / "reference" / "databricks-bundle-schema.json"
        for folder in REPO.parents
        if (folder / "shared" / "reference" / "databricks-bundle-schema.json").is_file()
    ),
    None,
)
NOTEBOOK_HEADER = "# Databricks notebook source"
CELL_SEPARATOR = "\n# COMMAND ----------\n"

#: Values the CLI would fill in from the workspace; any stand-in works offline.
WORKSPACE_VALUES = {
    "workspace.current_user.userName": "someone@example.com",
    "workspace.current_user.short_name": "someone",
    "workspace.file_path": "/Workspace/Users/someone@example.com/.bundle/cropseries/files",
}

#: Sequences a target merges into the base configuration by this key (as the CLI does).
_MERGE_KEYS = ("task_key", "job_cluster_key", "environment_key")
_REFERENCE = re.compile(r"\$\{([^}]+)\}")


class BundleError(ValueError):
    """The bundle configuration is inconsistent; the message names the file or key."""


def schema_validator():
    """A jsonschema validator for databricks.yml and its includes (the CLI's published schema).

    The schema's `${var...}` patterns use `\\p{L}` / `\\p{N}`, which Python's `re` lacks; they are
    rewritten to the equivalent `[^\\W\\d_]` (a letter) and `\\d` (a digit) first.
    """
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text())
    return Draft202012Validator(_translate_patterns(schema))


def _translate_patterns(node):
    if isinstance(node, dict):
        return {
            key: _translate_pattern(value)
            if key == "pattern" and isinstance(value, str)
            else _translate_patterns(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_translate_patterns(item) for item in node]
    return node


def _translate_pattern(pattern: str) -> str:
    translated = (
        pattern.replace(r"[\p{L}\p{N}]", r"[^\W_]")
        .replace(r"\p{L}", r"[^\W\d_]")
        .replace(r"\p{N}", r"\d")
    )
    if r"\p{" in translated:
        raise BundleError(f"schema pattern with an untranslated Unicode class: {pattern}")
    return translated


def config_files(repo: Path = REPO) -> list[Path]:
    """databricks.yml followed by every file its `include` globs match, sorted."""
    root = repo / "databricks.yml"
    files = [root]
    for pattern in yaml.safe_load(root.read_text()).get("include", []):
        files += sorted(Path(p) for p in glob.glob(str(repo / pattern)))
    return files


def load_bundle(
    repo: Path = REPO, target: str | None = None, variables: dict[str, str] | None = None
) -> dict:
    """The configuration `target` (default: the target marked `default`) would deploy.

    `variables` override the variables' values, as `--var name=value` does for the CLI.
    Relative `notebook_path` and `whl` paths become absolute local paths (relative to the file
    that names them, as the CLI resolves them); `${var.*}`, `${bundle.*}` and `${workspace.*}`
    references are substituted. Raises `BundleError` for an unknown target or reference.
    """
    files = config_files(repo)
    config: dict = {}
    for path in files:
        fragment = yaml.safe_load(path.read_text()) or {}
        _resolve_paths(fragment, path.parent)
        for target_config in fragment.get("targets", {}).values():
            _resolve_paths(target_config or {}, path.parent)
        config = _merge(config, fragment)
    targets = config.pop("targets", {})
    if target is None:
        defaults = [name for name, spec in targets.items() if (spec or {}).get("default")]
        if len(defaults) != 1:
            raise BundleError(f"databricks.yml: expected one default target, found {defaults}")
        target = defaults[0]
    if target not in targets:
        raise BundleError(f"databricks.yml: no target {target!r} (targets: {sorted(targets)})")
    overrides = copy.deepcopy(targets[target] or {})
    variable_overrides = overrides.pop("variables", {})
    config = _merge(config, overrides)
    values = {
        f"var.{name}": str(spec.get("default", ""))
        for name, spec in config.get("variables", {}).items()
    }
    variable_overrides.update(variables or {})
    values.update({f"var.{name}": str(value) for name, value in variable_overrides.items()})
    values.update(WORKSPACE_VALUES)
    values.update({"bundle.name": config["bundle"]["name"], "bundle.target": target})
    return _substitute(config, values)


def _resolve_paths(node, base: Path) -> None:
    """Make local `notebook_path` / `whl` paths and environment dependencies absolute, in place.

    A dependency is local when it starts with `./` or `../` (others are pip requirements).
    """
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("notebook_path", "whl") and isinstance(value, str) and "://" not in value:
                if not value.startswith("/"):
                    node[key] = str((base / value).resolve())
            elif key == "dependencies" and isinstance(value, list):
                node[key] = [
                    str((base / item).resolve()) if item.startswith(("./", "../")) else item
                    for item in value
                ]
            else:
                _resolve_paths(value, base)
    elif isinstance(node, list):
        for item in node:
            _resolve_paths(item, base)


def _merge(base, override):
    """Mappings merge recursively; task, job-cluster and environment lists merge by their key."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(override, list):
        key = _merge_key(base + override)
        if key is None:
            return base + copy.deepcopy(override)
        merged = {item[key]: item for item in base}
        for item in override:
            merged[item[key]] = _merge(merged[item[key]], item) if item[key] in merged else item
        return list(merged.values())
    return copy.deepcopy(override)


def _merge_key(items: list) -> str | None:
    for key in _MERGE_KEYS:
        if items and all(isinstance(item, dict) and key in item for item in items):
            return key
    return None


def _substitute(node, values: dict[str, str]):
    if isinstance(node, dict):
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(item, values) for item in node]
    if not isinstance(node, str):
        return node
    for _ in range(10):  # variables may refer to variables
        replaced = _REFERENCE.sub(lambda m: _lookup(m.group(1), values), node)
        if replaced == node:
            return replaced
        node = replaced
    raise BundleError(f"reference cycle while resolving {node!r}")


def _lookup(name: str, values: dict[str, str]) -> str:
    if name not in values:
        raise BundleError(f"unknown reference ${{{name}}} (not a variable or known bundle value)")
    return values[name]


def jobs(config: dict) -> dict:
    """Every job of a loaded configuration, parsed strictly by the `databricks-bundles` package.

    Raises ValueError naming the unexpected field or value where the CLI would reject one.
    """
    from databricks.bundles.jobs import Job

    parsed = {}
    for name, spec in config.get("resources", {}).get("jobs", {}).items():
        try:
            parsed[name] = Job.from_dict(copy.deepcopy(spec))
        except ValueError as error:
            raise BundleError(f"resources.jobs.{name}: {error}") from error
    return parsed


def job_tasks(job) -> list:
    """The job's tasks in an order that respects `depends_on` (ties keep file order)."""
    tasks = {task.task_key: task for task in job.tasks}
    ordered: list = []
    done: set[str] = set()
    while len(ordered) < len(tasks):
        ready = [
            task
            for key, task in tasks.items()
            if key not in done and {d.task_key for d in task.depends_on} <= done
        ]
        if not ready:
            left = sorted(set(tasks) - done)
            raise BundleError(f"job {job.name!r}: tasks {left} depend on unknown or cyclic tasks")
        ordered.append(ready[0])
        done.add(ready[0].task_key)
    return ordered


def task_widgets(job, task, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The widget values a notebook task receives in a run.

    Job parameters (their defaults, then `overrides`) are pushed to every task and win over the
    task's `base_parameters`, whose `{{job.parameters.NAME}}` references are resolved.
    """
    job_parameters = {p.name: str(p.default) for p in job.parameters}
    job_parameters.update(overrides or {})
    base = task.notebook_task.base_parameters or {}
    widgets = {
        key: re.sub(
            r"\{\{\s*job\.parameters\.([\w.-]+)\s*\}\}",
            lambda m: job_parameters[m.group(1)],
            str(value),
        )
        for key, value in base.items()
    }
    widgets.update(job_parameters)
    return widgets


@dataclass(frozen=True)
class NotebookWidgets:
    """What a notebook does with `dbutils.widgets`: names it defines (with defaults) and reads."""

    defined: dict[str, str]
    read: set[str]
    problems: list[str]


def notebook_widgets(path: Path) -> NotebookWidgets:
    """Widgets defined (`dbutils.widgets.text(name, default)`, dropdown, ...) and read (`.get`)."""
    defined: dict[str, str] = {}
    read: set[str] = set()
    problems: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not (isinstance(node, ast.Call) and _is_widgets_call(node.func)):
            continue
        method = node.func.attr
        args = [*node.args, *(k.value for k in node.keywords if k.arg in ("name", "defaultValue"))]
        name = args[0] if args else None
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            problems.append(f"{path.name}:{node.lineno}: widget name is not a string literal")
            continue
        if method == "get":
            read.add(name.value)
        elif method in ("text", "dropdown", "combobox", "multiselect"):
            default = args[1] if len(args) > 1 else None
            defined[name.value] = default.value if isinstance(default, ast.Constant) else ""
    return NotebookWidgets(defined=defined, read=read, problems=problems)


def _is_widgets_call(func) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "widgets"
        and isinstance(func.value.value, ast.Name)
        and func.value.value.id == "dbutils"
    )


#: Spark APIs serverless compute (Spark Connect) does not have.
BANNED_ATTRIBUTES = {"sparkContext": "SparkContext", "rdd": "RDDs"}
BANNED_CALLS = {"cache": "DataFrame caching", "persist": "DataFrame caching"}
#: A line calling a tf.data `.cache()` says so with this marker, which exempts it.
NOT_SPARK_MARKER = "# tf.data"


def banned_spark_api(path: Path) -> list[str]:
    """Every use of a Spark API that Spark Connect lacks in a Python file, as `file:line: what`.

    Flags attribute access to `sparkContext` / `rdd`, calls of `.cache()` / `.persist()`
    (unless the line carries `# tf.data`) and SQL text containing `CACHE TABLE`.
    """
    source = path.read_text()
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        where = f"{path}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and node.attr in BANNED_ATTRIBUTES:
            found.append(f"{where}: .{node.attr} ({BANNED_ATTRIBUTES[node.attr]})")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in BANNED_CALLS
            and NOT_SPARK_MARKER not in lines[node.lineno - 1]
        ):
            found.append(f"{where}: .{node.func.attr}() ({BANNED_CALLS[node.func.attr]})")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.search(r"\bCACHE\s+(LAZY\s+)?TABLE\b", node.value, re.IGNORECASE)
        ):
            found.append(f"{where}: CACHE TABLE in SQL text")
    return sorted(found, key=lambda line: int(line.rsplit(":", 2)[1]))


def notebook_cells(path: Path) -> list[str]:
    """The cells of a Databricks source-format notebook (header line removed)."""
    text = path.read_text()
    if not text.startswith(NOTEBOOK_HEADER + "\n"):
        raise BundleError(f"{path}: does not start with {NOTEBOOK_HEADER!r}")
    return [cell.strip("\n") for cell in text[len(NOTEBOOK_HEADER) + 1 :].split(CELL_SEPARATOR)]


#: The cell every notebook starts with after its markdown cell (docs/databricks.md). The
#: package comes from the notebook's environment (no %pip, no sys.path); the repository root
#: comes from the notebook's own path, since serverless does not fix the working directory.
SETUP_CELL = (
    "# cropseries comes from this notebook's environment: the job's (the bundle's wheel),\n"
    "# the Environment side pane, or a local virtualenv (docs/databricks.md). Relative\n"
    "# paths are read from the repository root, found from this notebook's own path.\n"
    "from cropseries.notebook import repository_path, repository_root\n"
    "\n"
    "REPO = repository_root(\n"
    "    dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get()\n"
    ")"
)


def missing_widgets(path: Path, given: dict[str, str]) -> list[str]:
    """Widgets the notebook reads that neither `given` (the job's values) nor a default supplies."""
    widgets = notebook_widgets(path)
    return widgets.problems + sorted(
        f"{path.name}: reads widget {name!r}, which the job does not pass and the notebook "
        "does not define with a default"
        for name in widgets.read - set(given) - set(widgets.defined)
    )
