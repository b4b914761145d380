"""`python -m cropseries run`: start the deployed cropseries job and follow it until it ends.

The job is found by id, or by name: the exact name first, then the name a development
deployment gives it (`[dev <user>] cropseries`). Task states are printed as they change,
with the run's URL first; the exit status is 0 only when the run succeeded.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable

from cropseries.cli import at_least
from cropseries.databricks.client import (
    WorkspaceError,
    add_profile_argument,
    friendly_errors,
    workspace_client,
)


class JobNotFound(WorkspaceError):
    """No job, or more than one, matches the name; the message lists candidates and the fix."""

    exit_status = 2


def find_job(client, name: str) -> int:
    """The id of the one job named `name`, or `[dev <user>] name` if no job has that exact name."""
    exact = [job for job in client.jobs.list(name=name) if job.settings.name == name]
    if len(exact) == 1:
        return exact[0].job_id
    candidates = exact or [
        job
        for job in client.jobs.list()
        if re.fullmatch(rf"\[dev [^\]]+\] {re.escape(name)}", job.settings.name or "")
    ]
    if len(candidates) == 1:
        return candidates[0].job_id
    if not candidates:
        raise JobNotFound(
            f"no job named {name!r} in {client.config.host}; deploy it with "
            "`databricks bundle deploy -t dev` or pass --job-id"
        )
    listed = ", ".join(f"{job.settings.name!r} (id {job.job_id})" for job in candidates)
    raise JobNotFound(f"several jobs match {name!r}: {listed}; pass --job-id")


def describe(item) -> str:
    """A run's or task's state in one word or two: `RUNNING`, `TERMINATED SUCCESS`, ..."""
    status = getattr(item, "status", None)
    if status is not None and status.state is not None:
        details = status.termination_details
        code = details.code.value if details is not None and details.code is not None else ""
        return f"{status.state.value} {code}".strip()
    state = item.state
    if state is None or state.life_cycle_state is None:
        return "UNKNOWN"
    result = state.result_state.value if state.result_state is not None else ""
    return f"{state.life_cycle_state.value} {result}".strip()


def succeeded(run) -> bool:
    """Whether a finished run ended in success (by its v2 status, else its legacy state)."""
    status = run.status
    if status is not None and status.termination_details is not None:
        code = status.termination_details.code
        return code is not None and code.value == "SUCCESS"
    return run.state is not None and getattr(run.state.result_state, "value", None) == "SUCCESS"


def finished(run) -> bool:
    """Whether a run's life cycle has ended (successfully or not)."""
    if run.status is not None and run.status.state is not None:
        return run.status.state.value == "TERMINATED"
    life_cycle = getattr(run.state, "life_cycle_state", None)
    return getattr(life_cycle, "value", None) in ("TERMINATED", "SKIPPED", "INTERNAL_ERROR")


def follow_run(
    client,
    run_id: int,
    poll_seconds: float = 10.0,
    say: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
):
    """Poll the run until it has finished, saying its URL once and each task state change."""
    seen: dict[str, str] = {}
    run = client.jobs.get_run(run_id)
    say(f"run {run_id}: {run.run_page_url}")
    while True:
        for task in run.tasks or []:
            state = describe(task)
            if seen.get(task.task_key) != state:
                seen[task.task_key] = state
                say(f"  {task.task_key}: {state}")
        if finished(run):
            return run
        sleep(poll_seconds)
        run = client.jobs.get_run(run_id)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m cropseries run`."""
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--job-id", type=int, help="id of the job to run")
    which.add_argument(
        "--job-name", default="cropseries", help="name of the job (default: %(default)s)"
    )
    parser.add_argument(
        "--param",
        action="append",
        type=job_parameter,
        default=[],
        metavar="NAME=VALUE",
        help="job parameter for this run, e.g. --param split_seed=3 (repeatable)",
    )
    parser.add_argument(
        "--poll", type=at_least(0, float), default=10.0, help="seconds between status checks"
    )
    add_profile_argument(parser)


def job_parameter(pair: str) -> tuple[str, str]:
    """`"b=x=y"` -> `("b", "x=y")`; a pair without a name and "=" is refused."""
    name, sep, value = pair.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{pair!r}: expected NAME=VALUE")
    return name, value


def run(args: argparse.Namespace) -> int:
    """`python -m cropseries run`: start the deployed job, follow it; 0 only if it succeeded."""
    parameters = dict(args.param)
    client = workspace_client(args.profile)
    with friendly_errors(client):
        job_id = args.job_id or find_job(client, args.job_name)
        started = client.jobs.run_now(job_id, job_parameters=parameters or None)
        result = follow_run(client, started.run_id, args.poll)
    print(f"run {result.run_id}: {describe(result)}")
    return 0 if succeeded(result) else 1
