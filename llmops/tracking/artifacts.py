"""Run and model artifacts, kept in the ``artifacts`` storage under the project's own prefix.

MLflow names an artifact by a relative path such as ``3/<run_id>/artifacts/model/MLmodel``. The
storage key is ``<project id>/<that path>``, so one project can never name another's files, and a
path that could climb out of its prefix (``..``, absolute, backslashes) is refused.
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
from dataclasses import dataclass
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage, storages

from llmops.domain_errors import Invalid
from llmops.tenancy.models import Project

ARTIFACT_SCHEME = "mlflow-artifacts:"
_SPOOL_BYTES = 8 * 1024 * 1024


def storage() -> Storage:
    return storages["artifacts"]


def clean_path(path: str, *, allow_empty: bool = True) -> str:
    """The normalised relative path, or INVALID_PARAMETER_VALUE for one that could escape."""
    raw = path or ""
    if "\\" in raw or "\x00" in raw:
        raise Invalid(f"Invalid artifact path: {path!r}.")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise Invalid(f"Invalid artifact path: {path!r}: absolute paths are not allowed.")
    parts = [part for part in raw.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise Invalid(f"Invalid artifact path: {path!r}: '..' is not allowed.")
    cleaned = "/".join(parts)
    if not cleaned and not allow_empty:
        raise Invalid("An artifact path is required.")
    return cleaned


def root_of(artifact_uri: str) -> str:
    """``mlflow-artifacts:/3/<run>/artifacts`` -> ``3/<run>/artifacts``."""
    if not artifact_uri.startswith(ARTIFACT_SCHEME):
        raise Invalid(f"Unsupported artifact location {artifact_uri!r}.")
    return clean_path(artifact_uri[len(ARTIFACT_SCHEME) :].lstrip("/"))


def _key(project: Project, path: str) -> str:
    return f"{project.pk}/{path}" if path else str(project.pk)


@dataclass(frozen=True)
class FileEntry:
    path: str
    is_dir: bool
    file_size: int | None


def _listdir(key: str) -> tuple[list[str], list[str]]:
    try:
        dirs, files = storage().listdir(key)
    except (FileNotFoundError, NotADirectoryError):
        return [], []
    return list(dirs), list(files)


def artifact_list(*, project: Project, path: str) -> list[FileEntry]:
    """Entries directly under ``path`` (names relative to it); a file lists as itself."""
    key = _key(project, path)
    dirs, files = _listdir(key)
    store = storage()
    if not dirs and not files:
        if path and store.exists(key):
            return [FileEntry(posixpath.basename(path), False, store.size(key))]
        return []
    entries = [FileEntry(name, True, None) for name in sorted(dirs)]
    entries += [FileEntry(name, False, store.size(f"{key}/{name}")) for name in sorted(files)]
    return entries


def artifact_exists(*, project: Project, path: str) -> bool:
    key = _key(project, path)
    dirs, files = _listdir(key)
    return bool(path) and not dirs and not files and storage().exists(key)


def artifact_open(*, project: Project, path: str) -> IO[bytes]:
    opened: IO[bytes] = storage().open(_key(project, path), "rb")
    return opened


def artifact_save(*, project: Project, path: str, stream: IO[bytes]) -> None:
    """Store the stream's bytes at ``path``, replacing any earlier file there."""
    key = _key(project, clean_path(path, allow_empty=False))
    store = storage()
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        shutil.copyfileobj(stream, spool, 1024 * 1024)
        spool.seek(0)
        if store.exists(key):
            store.delete(key)
        saved = store.save(key, File(spool, name=posixpath.basename(key)))
    if saved != key:
        # A concurrent writer took the name first; keep the last write, as MLflow does.
        store.delete(key)
        with store.open(saved, "rb") as source:
            store.save(key, File(source))
        store.delete(saved)


def artifact_delete(*, project: Project, path: str) -> None:
    """Delete a file, or a folder with everything under it."""
    key = _key(project, clean_path(path, allow_empty=False))
    store = storage()
    dirs, files = _listdir(key)
    for name in files:
        store.delete(f"{key}/{name}")
    for name in dirs:
        artifact_delete(project=project, path=f"{path}/{name}")
    if store.exists(key):
        store.delete(key)
