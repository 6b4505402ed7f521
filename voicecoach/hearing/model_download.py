"""Fetch, verify and unpack a Vosk model archive, safely and atomically.

Nothing is left half-done: the archive downloads to a temporary file, is checked against its
known size and SHA-256, unpacks into a temporary folder beside the target (refusing any member
that would land outside it, links, and archives that unpack to absurd sizes), and only then is
renamed into place in one step.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from .vosk_models import ModelError, ModelSpec, problems_with

CHUNK_BYTES = 256 * 1024
TIMEOUT_S = 30
MAX_UNPACKED_BYTES = 2 * 1024**3  # the largest Vosk models unpack to about 1.8 GB

Progress = Callable[[int, int], None]  # (bytes so far, total bytes)


def _offline_advice(spec: ModelSpec, target: Path) -> str:
    return (
        f"On a machine with internet access, download {spec.url}, copy the zip here, and run "
        f"`voicecoach model install {spec.name}.zip`; or unpack it into {target}."
    )


def download(spec: ModelSpec, target: Path, progress: Progress | None = None) -> Path:
    """Download `spec` into the folder `target` and return the unpacked model's path."""
    final = target / spec.name
    if not problems_with(final):
        return final
    target.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{spec.name}.", suffix=".zip.part", dir=target)
    partial = Path(name)
    try:
        with os.fdopen(handle, "wb") as sink:
            _fetch(spec, sink, target, progress)
        return install(spec, partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _fetch(spec: ModelSpec, sink: object, target: Path, progress: Progress | None) -> None:
    request = urllib.request.Request(spec.url, headers={"User-Agent": "voicecoach"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            total = int(response.headers.get("Content-Length") or spec.size)
            received = 0
            while chunk := response.read(CHUNK_BYTES):
                received += len(chunk)
                if received > spec.size:
                    raise ModelError(
                        f"{spec.url} sent more than the expected {spec.size} bytes; "
                        "refusing it (a wrong or tampered file)"
                    )
                sink.write(chunk)  # type: ignore[attr-defined]
                if progress:
                    progress(received, total)
    except urllib.error.HTTPError as exc:
        raise ModelError(f"{spec.url} answered {exc.code} {exc.reason}. "
                         f"{_offline_advice(spec, target)}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ModelError(f"cannot reach {spec.url} ({reason}): this machine seems to be "
                         f"offline. {_offline_advice(spec, target)}") from exc


def verify(spec: ModelSpec, archive: Path) -> None:
    size = archive.stat().st_size
    if size != spec.size:
        raise ModelError(f"{archive} is {size} bytes, but {spec.name}.zip is {spec.size} bytes: "
                         "the download is incomplete or not the right file")
    digest = hashlib.sha256()
    with archive.open("rb") as source:
        while block := source.read(CHUNK_BYTES):
            digest.update(block)
    if digest.hexdigest() != spec.sha256:
        raise ModelError(f"{archive} does not have the SHA-256 of {spec.name}.zip "
                         f"(got {digest.hexdigest()}, expected {spec.sha256}): "
                         "it is damaged or has been tampered with; download it again")


def _safe_members(archive: zipfile.ZipFile, spec: ModelSpec) -> list[zipfile.ZipInfo]:
    members = archive.infolist()
    total = 0
    for member in members:
        path = PurePosixPath(member.filename)
        if path.is_absolute() or ".." in path.parts or "\\" in member.filename:
            raise ModelError(f"the archive has a member outside its folder: {member.filename!r}")
        if (member.external_attr >> 16) & 0o170000 == 0o120000:
            raise ModelError(f"the archive has a symbolic link: {member.filename!r}")
        if path.parts and path.parts[0] != spec.name:
            raise ModelError(f"the archive's {member.filename!r} is not inside {spec.name}/")
        total += member.file_size
    if total > MAX_UNPACKED_BYTES:
        raise ModelError(f"the archive would unpack to {total} bytes; refusing it")
    return members


def install(spec: ModelSpec, archive: Path, target: Path) -> Path:
    """Verify a local archive of `spec` and unpack it into `target`, atomically."""
    if not archive.is_file():
        raise ModelError(f"{archive} is not a file")
    verify(spec, archive)
    final = target / spec.name
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}.", suffix=".unpacking", dir=target))
    try:
        try:
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(staging, members=_safe_members(zipped, spec))
        except zipfile.BadZipFile as exc:
            raise ModelError(f"{archive} is not a readable zip archive: {exc}") from exc
        unpacked = staging / spec.name
        issues = problems_with(unpacked)
        if issues:
            raise ModelError("the archive is not a Vosk model: " + "; ".join(issues))
        if final.exists():
            shutil.rmtree(final)  # an incomplete earlier copy: problems_with() said so
        os.replace(unpacked, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final
