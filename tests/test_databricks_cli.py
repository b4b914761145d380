"""`python -m cropseries upload` and `run`, against a local HTTP stand-in of the REST endpoints."""

from __future__ import annotations

import pytest
from databricks_stand_in import DatabricksStandIn

from cropseries.cli import main

DEST = "/Volumes/workspace/default/cropseries/course"
#: A box folder named as the course names them: spaces and commas must survive the URL.
BOX = "bbox=402495.0, 1269735.0, 417495.0, 1284735.0"


@pytest.fixture
def stand_in(monkeypatch, tmp_path):
    """A running stand-in, with the SDK pointed at it and no other credentials in reach."""
    for name in ("DATABRICKS_CONFIG_PROFILE", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    with DatabricksStandIn() as server:
        monkeypatch.setenv("DATABRICKS_HOST", server.url)
        monkeypatch.setenv("DATABRICKS_TOKEN", server.state.token)
        yield server
    assert server.state.unknown == [], "the commands called endpoints the stand-in lacks"


@pytest.fixture
def course_dir(tmp_path):
    """A small dataset folder: five files, nested folders and a hidden checksum."""
    root = tmp_path / "course"
    for box, year, size in [
        ("bbox=a", 2019, 10),
        ("bbox=a", 2020, 0),
        (BOX, 2019, 3000),
        (BOX, 2021, 7),
    ]:
        folder = root / box / f"year={year}"
        folder.mkdir(parents=True)
        (folder / "part-0.parquet").write_bytes(
            bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        )
    (root / "bbox=a" / "year=2019" / ".part-0.parquet.crc").write_bytes(b"crc")
    (root / "README.txt").write_text("course layout\n")
    return root


def local_contents(root):
    return {
        f"{DEST}/{p.relative_to(root).as_posix()}": p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


def puts(server):
    return [
        path for method, path in server.state.requests if method == "PUT" and "/fs/files" in path
    ]


def test_upload_copies_every_file_byte_for_byte_against_local_http_stand_in(
    stand_in, course_dir, capsys
):
    assert main(["upload", str(course_dir), DEST, "--quiet"]) == 0

    assert stand_in.state.files == local_contents(course_dir)
    out = capsys.readouterr().out
    assert "uploaded 5 files (3,031 bytes), 0 already there" in out
    assert "1 hidden files left out" in out


def test_upload_skips_files_already_there_with_the_same_size_against_local_http_stand_in(
    stand_in, course_dir, capsys
):
    same_size = f"{DEST}/bbox=a/year=2019/part-0.parquet"
    truncated = f"{DEST}/{BOX}/year=2019/part-0.parquet"
    stand_in.state.add_file(same_size, b"?" * 10)  # same size: taken as already uploaded
    stand_in.state.add_file(truncated, b"partial")  # another size: uploaded again

    assert main(["upload", str(course_dir), DEST, "--quiet"]) == 0

    assert stand_in.state.files[same_size] == b"?" * 10
    assert (
        stand_in.state.files[truncated]
        == (course_dir / BOX / "year=2019" / "part-0.parquet").read_bytes()
    )
    assert len(puts(stand_in)) == 4
    assert "uploaded 4 files (3,021 bytes), 1 already there" in capsys.readouterr().out


def test_an_interrupted_upload_resumes_where_it_stopped_against_local_http_stand_in(
    stand_in, course_dir, capsys
):
    stand_in.state.uploads_before_failure = 2

    assert main(["upload", str(course_dir), DEST, "--quiet"]) == 1
    assert "simulated interruption" in capsys.readouterr().err
    assert len(stand_in.state.files) == 2

    stand_in.state.uploads_before_failure = None
    assert main(["upload", str(course_dir), DEST, "--quiet"]) == 0
    assert stand_in.state.files == local_contents(course_dir)
    assert "uploaded 3 files" in capsys.readouterr().out


def test_a_rerun_after_a_complete_upload_sends_nothing_against_local_http_stand_in(
    stand_in, course_dir, capsys
):
    assert main(["upload", str(course_dir), DEST, "--quiet"]) == 0
    sent = len(puts(stand_in))
    assert main(["upload", str(course_dir), DEST, "--quiet"]) == 0
    assert len(puts(stand_in)) == sent
    assert "uploaded 0 files (0 bytes), 5 already there" in capsys.readouterr().out


def test_a_wrong_token_says_how_to_log_in_against_local_http_stand_in(
    stand_in, course_dir, monkeypatch, capsys
):
    monkeypatch.setenv("DATABRICKS_TOKEN", "expired")

    assert main(["upload", str(course_dir), DEST, "--quiet"]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "Invalid access token" in err
    assert f"databricks auth login --host {stand_in.url}" in err
    assert stand_in.state.files == {}


def test_missing_credentials_say_how_to_log_in(monkeypatch, tmp_path, course_dir, capsys):
    for name in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))

    for argv in (["upload", str(course_dir), DEST], ["run"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: Databricks credentials are missing")
        assert "databricks auth login --host" in err and err.count("\n") == 1


def test_upload_refuses_a_destination_outside_a_volume(course_dir, capsys):
    assert main(["upload", str(course_dir), "/tmp/course"]) == 2  # a bad argument
    assert "/Volumes/<catalog>/<schema>/<volume>/<folder>" in capsys.readouterr().err


def run_state(state: str, code: str | None = None, tasks: dict[str, tuple] | None = None) -> dict:
    """A runs/get response in the Jobs API 2.2 shape (`status` with optional termination code)."""

    def status(state, code=None):
        return {"state": state, **({"termination_details": {"code": code}} if code else {})}

    return {
        "run_id": 7001,
        "run_page_url": "https://example.cloud.databricks.com/jobs/42/runs/7001",
        "status": status(state, code),
        "tasks": [
            {"task_key": key, "run_id": 8000 + i, "status": status(*value)}
            for i, (key, value) in enumerate((tasks or {}).items())
        ],
    }


JOBS = [
    {"job_id": 41, "settings": {"name": "other"}},
    {"job_id": 42, "settings": {"name": "[dev someone] cropseries"}},
]


def test_run_starts_the_dev_job_and_follows_it_to_success_against_local_http_stand_in(
    stand_in, capsys
):
    stand_in.state.jobs = JOBS
    stand_in.state.run_script = [
        run_state("QUEUED"),
        run_state("RUNNING", tasks={"01_split": ("RUNNING",), "02_stats": ("BLOCKED",)}),
        run_state("RUNNING", tasks={"01_split": ("RUNNING",), "02_stats": ("BLOCKED",)}),
        run_state(
            "TERMINATED",
            "SUCCESS",
            tasks={"01_split": ("TERMINATED", "SUCCESS"), "02_stats": ("TERMINATED", "SUCCESS")},
        ),
    ]

    assert main(["run", "--param", "seed=3", "--param", "strategy=block", "--poll", "0"]) == 0

    assert stand_in.state.run_now_bodies == [
        {"job_id": 42, "job_parameters": {"seed": "3", "strategy": "block"}}
    ]
    assert capsys.readouterr().out.splitlines() == [
        "run 7001: https://example.cloud.databricks.com/jobs/42/runs/7001",
        "  01_split: RUNNING",
        "  02_stats: BLOCKED",
        "  01_split: TERMINATED SUCCESS",
        "  02_stats: TERMINATED SUCCESS",
        "run 7001: TERMINATED SUCCESS",
    ]


def test_run_exits_non_zero_when_a_task_fails_against_local_http_stand_in(stand_in, capsys):
    stand_in.state.jobs = [{"job_id": 5, "settings": {"name": "cropseries"}}, *JOBS]
    stand_in.state.run_script = [
        run_state(
            "TERMINATED",
            "RUN_EXECUTION_ERROR",
            tasks={
                "01_split": ("TERMINATED", "RUN_EXECUTION_ERROR"),
                "02_stats": ("TERMINATED", "SKIPPED"),
            },
        )
    ]

    assert main(["run", "--poll", "0"]) == 1

    assert stand_in.state.run_now_bodies == [{"job_id": 5}]  # the exact name wins
    out = capsys.readouterr().out
    assert "  01_split: TERMINATED RUN_EXECUTION_ERROR" in out
    assert out.endswith("run 7001: TERMINATED RUN_EXECUTION_ERROR\n")


def test_run_follows_a_run_reported_in_the_legacy_state_shape_against_local_http_stand_in(
    stand_in, capsys
):
    stand_in.state.jobs = JOBS
    legacy = {"run_id": 7001, "run_page_url": "u", "state": {"life_cycle_state": "TERMINATED"}}
    stand_in.state.run_script = [
        {**legacy, "state": {"life_cycle_state": "RUNNING"}},
        {**legacy, "state": {"life_cycle_state": "TERMINATED", "result_state": "SUCCESS"}},
    ]
    assert main(["run", "--job-id", "42", "--poll", "0"]) == 0
    assert capsys.readouterr().out.endswith("run 7001: TERMINATED SUCCESS\n")


@pytest.mark.parametrize(
    ("jobs", "message"),
    [
        ([{"job_id": 1, "settings": {"name": "other"}}], "no job named 'cropseries'"),
        (
            [
                {"job_id": 1, "settings": {"name": "[dev ann] cropseries"}},
                {"job_id": 2, "settings": {"name": "[dev bob] cropseries"}},
            ],
            "several jobs match 'cropseries': '[dev ann] cropseries' (id 1), "
            "'[dev bob] cropseries' (id 2); pass --job-id",
        ),
    ],
)
def test_run_names_the_problem_when_the_job_is_missing_or_ambiguous_against_local_http_stand_in(
    stand_in, capsys, jobs, message
):
    stand_in.state.jobs = jobs
    assert main(["run"]) == 2  # a bad argument: no such job
    assert message in capsys.readouterr().err
    assert stand_in.state.run_now_bodies == []


def test_run_refuses_a_parameter_without_a_value(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "--param", "seed"])
    assert stop.value.code == 2
    assert "--param: 'seed': expected NAME=VALUE" in capsys.readouterr().err
