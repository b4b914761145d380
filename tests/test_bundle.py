"""Offline validation of the bundle: schema, strict job parsing, notebooks, widgets, Spark Connect.

The Databricks CLI cannot run here, so these tests check what `databricks bundle validate`
and a first run would reject. They iterate over whatever tasks and notebooks exist.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from bundle_config import (
    CELL_SEPARATOR,
    NOTEBOOK_HEADER,
    REPO,
    SCHEMA_PATH,
    SETUP_CELL,
    BundleError,
    banned_spark_api,
    config_files,
    job_tasks,
    jobs,
    load_bundle,
    missing_widgets,
    notebook_cells,
    notebook_widgets,
    schema_validator,
    task_widgets,
)

TARGETS = sorted(yaml.safe_load((REPO / "databricks.yml").read_text())["targets"])
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.py"))
STAGES = ["01_split", "02_stats", "03_loader", "04_train"]
needs_schema = pytest.mark.skipif(
    SCHEMA_PATH is None,
    reason="shared/reference/databricks-bundle-schema.json is not beside this checkout",
)


# -- databricks.yml and resources/*.yml against the CLI's schema -----------------------------


@needs_schema
@pytest.mark.parametrize("path", config_files(), ids=lambda p: p.name)
def test_bundle_files_follow_the_published_bundle_schema(path):
    errors = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for e in schema_validator().iter_errors(yaml.safe_load(path.read_text()))
    ]
    assert errors == []


@needs_schema
@pytest.mark.parametrize("path", config_files(), ids=lambda p: p.name)
def test_bundle_files_use_only_top_level_keys_the_schema_knows(path):
    # the schema itself allows any top-level key, so a misspelled `targets` would pass it
    known = set(json.loads(SCHEMA_PATH.read_text())["properties"])
    assert set(yaml.safe_load(path.read_text())) - known == set()


@needs_schema
@pytest.mark.parametrize(
    "config",
    [
        {"bundle": {"name": "x"}, "targets": {"dev": {"mod": "development"}}},
        {"bundle": {"name": "x"}, "resources": {"jobs": {"j": {"taskz": []}}}},
        {"resources": {"jobs": {"j": {"tasks": [{"task_key": "a", "notebook_task": {}}]}}}},
        {"variables": {"seed": {"default": "0", "descripion": "typo"}}},
    ],
    ids=["unknown-target-key", "unknown-job-key", "notebook-without-path", "variable-typo"],
)
def test_schema_rejects_what_the_cli_would_reject(config):
    assert list(schema_validator().iter_errors(config)) != []


@needs_schema
def test_schema_accepts_variable_references_where_it_expects_numbers():
    config = {"resources": {"jobs": {"j": {"max_concurrent_runs": "${var.runs}"}}}}
    assert list(schema_validator().iter_errors(config)) == []
    config["resources"]["jobs"]["j"]["max_concurrent_runs"] = "${var.1runs}"
    assert list(schema_validator().iter_errors(config)) != []


# -- the jobs, parsed strictly after variable substitution ------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_resolves_and_its_jobs_parse_strictly(target):
    config = load_bundle(target=target)
    assert "${" not in str(config)
    assert jobs(config), f"target {target} deploys no job"


def test_strict_parsing_rejects_an_unknown_task_field(tmp_path):
    copy_bundle(tmp_path)
    job_file = tmp_path / "resources" / "cropseries.job.yml"
    job_file.write_text(job_file.read_text().replace("notebook_task:", "notebok_task:", 1))
    with pytest.raises(BundleError, match="Unexpected field 'notebok_task'"):
        jobs(load_bundle(tmp_path))


def test_an_unknown_variable_reference_is_an_error(tmp_path):
    copy_bundle(tmp_path)
    job_file = tmp_path / "resources" / "cropseries.job.yml"
    job_file.write_text(job_file.read_text().replace("${var.split_seed}", "${var.split_sead}"))
    with pytest.raises(BundleError, match=r"unknown reference \$\{var.split_sead\}"):
        load_bundle(tmp_path)


@pytest.mark.parametrize("target", TARGETS)
def test_tasks_run_split_then_stats_then_loader_then_train(target):
    job = jobs(load_bundle(target=target))["cropseries"]
    tasks = job_tasks(job)
    assert [task.task_key for task in tasks] == STAGES
    for previous, task in zip(tasks[:-1], tasks[1:], strict=True):
        assert [d.task_key for d in task.depends_on] == [previous.task_key]


@pytest.mark.parametrize("target", ["dev", "prod"])
def test_serverless_targets_use_volume_paths_and_no_cluster(target):
    job = jobs(load_bundle(target=target))["cropseries"]
    for task in job.tasks:
        assert (task.job_cluster_key, task.existing_cluster_id, task.new_cluster) == (None,) * 3
        assert task.libraries == []  # serverless tasks get packages from their environment
    paths = {p.name: p.default for p in job.parameters if p.name.endswith("_path")}
    assert len(paths) == 3 and all(
        path.startswith("/Volumes/workspace/default/cropseries/") for path in paths.values()
    )


def test_classic_target_runs_every_task_on_one_single_node_cluster_with_the_wheel():
    job = jobs(load_bundle(target="classic"))["cropseries"]
    [cluster] = job.job_clusters
    assert cluster.new_cluster.num_workers == 0
    assert cluster.new_cluster.spark_conf["spark.databricks.cluster.profile"] == "singleNode"
    assert job.environments == []  # a serverless environment means nothing on a cluster
    for task in job.tasks:
        assert task.job_cluster_key == cluster.job_cluster_key and task.environment_key is None
        assert [Path(lib.whl) for lib in task.libraries] == [REPO / "dist" / "*.whl"]
    paths = [p.default for p in job.parameters if p.name.endswith("_path")]
    assert len(paths) == 3 and all(path.startswith("dbfs:/") for path in paths)


def test_the_wheel_artifact_is_built_where_the_classic_tasks_look_for_it():
    config = load_bundle(target="classic")
    [artifact] = config["artifacts"].values()
    assert artifact["type"] == "whl" and "--wheel-dir dist" in artifact["build"]


def test_prod_deploys_to_an_explicit_root_path_with_permissions():
    config = load_bundle(target="prod")
    assert config["workspace"]["root_path"].startswith("/Workspace/Users/")
    assert config["permissions"]


def test_generated_data_and_environments_are_not_synced():
    excluded = load_bundle()["sync"]["exclude"]
    assert {"data/", ".venv/", "bench/out/"} <= set(excluded)


# -- notebooks the job runs ------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_every_notebook_path_is_a_databricks_notebook_in_the_repository(target):
    for job in jobs(load_bundle(target=target)).values():
        for task in job.tasks:
            path = Path(task.notebook_task.notebook_path)
            assert path.is_file(), f"task {task.task_key}: {path} does not exist"
            assert path.is_relative_to(REPO / "notebooks")
            assert path.read_text().startswith(NOTEBOOK_HEADER + "\n")


@pytest.mark.parametrize("target", TARGETS)
def test_every_widget_a_notebook_reads_is_passed_by_the_job_or_has_a_default(target):
    for job in jobs(load_bundle(target=target)).values():
        for task in job.tasks:
            path = Path(task.notebook_task.notebook_path)
            if path.is_file():  # a missing notebook fails the test above
                assert missing_widgets(path, task_widgets(job, task)) == []


def existing_notebooks(job) -> dict[str, Path]:
    """task_key -> notebook path; fails naming the tasks whose notebook is missing."""
    paths = {task.task_key: Path(task.notebook_task.notebook_path) for task in job.tasks}
    missing = sorted(key for key, path in paths.items() if not path.is_file())
    assert not missing, f"cannot check widgets before the notebooks of {missing} exist"
    return paths


def test_every_job_parameter_reaches_a_widget_through_a_task():
    job = jobs(load_bundle())["cropseries"]
    referenced = {
        name
        for task in job.tasks
        for value in (task.notebook_task.base_parameters or {}).values()
        for name in re.findall(r"\{\{\s*job\.parameters\.([\w.-]+)\s*\}\}", value)
    }
    assert {p.name for p in job.parameters} - referenced == set()


def test_every_base_parameter_names_a_widget_its_notebook_reads():
    job = jobs(load_bundle())["cropseries"]
    paths = existing_notebooks(job)
    for task in job.tasks:
        read = notebook_widgets(paths[task.task_key]).read
        unread = set(task.notebook_task.base_parameters or {}) - read
        assert not unread, f"task {task.task_key} passes widgets its notebook never reads: {unread}"


def test_a_job_parameter_sets_a_widget_of_its_name_only_where_the_task_maps_it_so():
    # Databricks hands every job parameter to every task, where it overrides the widget of the
    # same name; that must be what the task asks for, not a coincidence of names.
    job = jobs(load_bundle())["cropseries"]
    paths = existing_notebooks(job)
    names = {p.name for p in job.parameters}
    for task in job.tasks:
        found = notebook_widgets(paths[task.task_key])
        base = task.notebook_task.base_parameters or {}
        for name in names & (found.read | set(found.defined)):
            assert base.get(name) == f"{{{{job.parameters.{name}}}}}", (
                f"job parameter {name!r} would set widget {name!r} of {task.task_key}"
            )


# -- notebook format and bootstrap -----------------------------------------------------------


def assert_source_format(path: Path) -> None:
    text = path.read_text()
    assert text.startswith(NOTEBOOK_HEADER + "\n")
    separators = re.findall(r"^# COMMAND -+$", text, flags=re.MULTILINE)
    assert separators and set(separators) == {CELL_SEPARATOR.strip()}, "malformed separator"
    assert all(cell.strip() for cell in notebook_cells(path)), "empty cell"


def assert_bootstrap(path: Path) -> None:
    cells = notebook_cells(path)
    assert cells[0].startswith("# MAGIC %md"), "the first cell says what the notebook does"
    assert cells[1] == SETUP_CELL
    assert not any("%pip" in cell or "sys.path" in cell for cell in cells), "install cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_databricks_source_format(path):
    assert_source_format(path)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_takes_the_package_from_its_environment_and_finds_itself_like_every_other(path):
    assert_bootstrap(path)


def test_the_manual_shows_the_notebook_setup_cell_verbatim():
    assert SETUP_CELL in (REPO / "docs" / "databricks.md").read_text()


# -- Spark Connect ---------------------------------------------------------------------------

SOURCES = sorted((REPO / "src").rglob("*.py")) + NOTEBOOKS


def test_no_spark_api_that_spark_connect_lacks_in_src_or_notebooks():
    assert [found for path in SOURCES for found in banned_spark_api(path)] == []


def test_banned_api_check_finds_each_banned_use(tmp_path):
    code = tmp_path / "uses.py"
    code.write_text(
        "sc = spark.sparkContext\n"
        "n = df.rdd.count()\n"
        "df = df.cache()\n"
        "df.persist()\n"
        'spark.sql("cache table t")\n'
        "ds = ds.cache()  # tf.data cache of the decoded windows\n"
        "from functools import cache\n"
    )
    found = banned_spark_api(code)
    assert [re.search(r":(\d+):", f).group(1) for f in found] == ["1", "2", "3", "4", "5"]


# -- the checks themselves, on stand-in notebooks --------------------------------------------


def stand_in_notebook(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "notebooks" / "99_stand_in.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = ["# MAGIC %md\n# MAGIC # Stand-in", SETUP_CELL, body]
    path.write_text(NOTEBOOK_HEADER + "\n" + CELL_SEPARATOR.join(cells) + "\n")
    return path


def test_widget_check_reports_a_read_without_a_value_or_default(tmp_path):
    path = stand_in_notebook(
        tmp_path,
        'dbutils.widgets.text("output", "../data/demo/splits")\n'
        'dbutils.widgets.dropdown("strategy", "year", ["year", "block"])\n'
        'out = dbutils.widgets.get("output")\n'
        'strategy = dbutils.widgets.get("strategy")\n'
        'source = dbutils.widgets.get("input")\n'
        "name = 'seed'\n"
        "seed = dbutils.widgets.get(name)\n",
    )
    widgets = notebook_widgets(path)
    assert widgets.defined == {"output": "../data/demo/splits", "strategy": "year"}
    assert widgets.read == {"output", "strategy", "input"}
    problems = missing_widgets(path, given={"output": "/Volumes/x"})
    assert len(problems) == 2
    assert "widget name is not a string literal" in problems[0]
    assert "reads widget 'input'" in problems[1]
    assert missing_widgets(path, given={"input": "/Volumes/x"})[1:] == []


def test_stand_in_notebook_passes_the_format_and_bootstrap_checks(tmp_path):
    path = stand_in_notebook(tmp_path, 'x = dbutils.widgets.get("x")')
    assert_source_format(path)
    assert_bootstrap(path)
    path.write_text(path.read_text().replace("# COMMAND ----------", "# COMMAND ---", 1))
    with pytest.raises(AssertionError, match="malformed separator"):
        assert_source_format(path)
    path.write_text(path.read_text().replace("REPO = ", "ROOT = "))
    with pytest.raises(AssertionError):
        assert_bootstrap(path)
    path.write_text(stand_in_notebook(tmp_path, "# MAGIC %pip install x").read_text())
    with pytest.raises(AssertionError, match="install cell"):
        assert_bootstrap(path)


def test_job_parameters_reach_every_task_and_win_over_base_parameters():
    from databricks.bundles.jobs import Job

    job = Job.from_dict(
        {
            "name": "j",
            "parameters": [
                {"name": "output", "default": "/Volumes/a"},
                {"name": "seed", "default": "0"},
            ],
            "tasks": [
                {
                    "task_key": "t",
                    "notebook_task": {
                        "notebook_path": "n",
                        "base_parameters": {"splits": "{{job.parameters.output}}", "seed": "9"},
                    },
                }
            ],
        }
    )
    assert task_widgets(job, job.tasks[0], {"seed": "3"}) == {
        "splits": "/Volumes/a",
        "output": "/Volumes/a",
        "seed": "3",
    }


def copy_bundle(dest: Path) -> None:
    """databricks.yml and resources/ copied into `dest` (notebooks are not needed to load)."""
    (dest / "resources").mkdir()
    (dest / "databricks.yml").write_text((REPO / "databricks.yml").read_text())
    for path in (REPO / "resources").glob("*.yml"):
        (dest / "resources" / path.name).write_text(path.read_text())


@pytest.mark.parametrize("target", TARGETS)
def test_training_runs_are_tracked_in_an_experiment_under_the_deploying_users_folder(target):
    job = jobs(load_bundle(target=target))["cropseries"]
    defaults = {p.name: p.default for p in job.parameters}
    assert defaults["experiment"] == "/Users/someone@example.com/cropseries"
    [train] = [task for task in job.tasks if task.task_key == "04_train"]
    assert train.notebook_task.base_parameters["experiment"] == "{{job.parameters.experiment}}"
