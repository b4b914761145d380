"""Connecting to a workspace with the SDK's own authentication, and failing with one clear sentence.

`workspace_client` finds credentials the way the Databricks CLI does (a `~/.databrickscfg`
profile, `DATABRICKS_HOST` / `DATABRICKS_TOKEN`, ...); `friendly_errors` turns missing or
refused credentials and unreachable hosts into a `LoginError` whose message says how to log
in, and other API errors into a `WorkspaceError` with the server's message. It holds no logic
about what is uploaded or run.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from contextlib import contextmanager

from cropseries.errors import RunFailed


class WorkspaceError(RunFailed, RuntimeError):
    """The workspace rejected a request; the message is the server's, with the path or job."""


class LoginError(WorkspaceError):
    """No usable credentials, or the workspace cannot be reached; the message says how to log in."""

    exit_status = 2


def login_hint(host: str | None) -> str:
    """The sentence that tells a user how to (re)authenticate."""
    return (
        f"Log in with `databricks auth login --host {host or 'https://<your-workspace-url>'}` "
        "(or set DATABRICKS_HOST and DATABRICKS_TOKEN) and try again."
    )


def add_profile_argument(parser: argparse.ArgumentParser) -> None:
    """`--profile`: which `~/.databrickscfg` profile to authenticate with."""
    parser.add_argument(
        "--profile",
        help="profile in ~/.databrickscfg (default: DATABRICKS_* variables, then DEFAULT)",
    )


def workspace_client(profile: str | None = None):
    """A `databricks.sdk.WorkspaceClient`, or `LoginError` when no credentials are configured."""
    from databricks.sdk import WorkspaceClient

    try:
        return WorkspaceClient(profile=profile)
    except ValueError as error:
        reason = re.split(r"\. Config:|, please check", str(error))[0]
        raise LoginError(
            f"Databricks credentials are missing or incomplete ({reason}). {login_hint(None)}"
        ) from None


@contextmanager
def friendly_errors(client) -> Iterator[None]:
    """Re-raise SDK and connection errors from the block as `LoginError` / `WorkspaceError`."""
    import requests
    from databricks.sdk.errors import DatabricksError, PermissionDenied, Unauthenticated

    host = client.config.host
    try:
        yield
    except Unauthenticated as error:
        raise LoginError(
            f"{host} did not accept the credentials ({error}). {login_hint(host)}"
        ) from None
    except PermissionDenied as error:
        raise LoginError(
            f"{host} refused the request ({error}). If the credentials are wrong or expired: "
            + login_hint(host)
        ) from None
    except (requests.ConnectionError, TimeoutError) as error:
        raise LoginError(f"Could not reach {host} ({error}). {login_hint(host)}") from None
    except DatabricksError as error:
        raise WorkspaceError(f"{host}: {error}") from None
