"""Pod Security levels, versions and a namespace's policy (k8s.io/pod-security-admission/api:
constants.go, helpers.go).

A namespace chooses its policy with labels: ``pod-security.kubernetes.io/<mode>`` names a level
(privileged, baseline, restricted) and ``<mode>-version`` the Kubernetes minor whose checks apply
(``latest`` by default), for each mode: enforce refuses pods, audit annotates the audit event,
warn returns warnings. Reading the labels is all a request in a privileged namespace pays for;
the checks themselves load on the first namespace that needs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import ClassVar

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError

PRIVILEGED, BASELINE, RESTRICTED = "privileged", "baseline", "restricted"
LEVELS = (PRIVILEGED, BASELINE, RESTRICTED)

LABEL_PREFIX = "pod-security.kubernetes.io/"
WARN_LEVEL_LABEL = LABEL_PREFIX + "warn"
WARN_VERSION_LABEL = LABEL_PREFIX + "warn-version"

# Audit annotations, under LABEL_PREFIX (AuditAnnotationPrefix).
ENFORCED_POLICY_ANNOTATION = LABEL_PREFIX + "enforce-policy"
AUDIT_VIOLATIONS_ANNOTATION = LABEL_PREFIX + "audit-violations"
ERROR_ANNOTATION = LABEL_PREFIX + "error"

_VERSION = re.compile(r"v1\.([0-9]|[1-9][0-9]*)")


@dataclass(frozen=True)
class Version:
    """A Kubernetes minor (``v1.25``), or ``latest``, which is newer than any."""

    minor: int
    latest: bool = False

    LATEST: ClassVar[Version]

    def __str__(self) -> str:
        return "latest" if self.latest else f"v1.{self.minor}"

    def older(self, other: Version) -> bool:
        if self.latest:
            return False
        return other.latest or self.minor < other.minor


Version.LATEST = Version(0, latest=True)


@dataclass(frozen=True)
class LevelVersion:
    level: str = PRIVILEGED
    version: Version = Version.LATEST

    def __str__(self) -> str:
        return f"{self.level}:{self.version}"


@dataclass(frozen=True)
class Policy:
    enforce: LevelVersion = LevelVersion()
    audit: LevelVersion = LevelVersion()
    warn: LevelVersion = LevelVersion()

    def fully_privileged(self) -> bool:
        return self.enforce.level == self.audit.level == self.warn.level == PRIVILEGED


# kube-apiserver's default PodSecurityConfiguration: every mode privileged:latest, no exemptions.
DEFAULT_POLICY = Policy()


def compare_levels(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` is less strict than, as strict as, or stricter than ``b``."""
    return (LEVELS.index(a) > LEVELS.index(b)) - (LEVELS.index(a) < LEVELS.index(b))


def _parse_level(value: str) -> str | None:
    return value if value in LEVELS else None


def _parse_version(value: str) -> Version | None:
    if value == "latest":
        return Version.LATEST
    match = _VERSION.fullmatch(value)
    return Version(int(match.group(1))) if match else None


def _label_error(label: str, value: str, detail: str) -> FieldError:
    return field.invalid(f"metadata.labels[{label}]", value, detail)


def policy_to_evaluate(
    labels: dict[str, str] | None, defaults: Policy = DEFAULT_POLICY
) -> tuple[Policy, list[FieldError]]:
    """PolicyToEvaluate: the namespace's policy from its labels, and what was wrong with them.

    A bad enforce level enforces restricted (fail closed); a bad audit or warn level is
    privileged (fail open); a bad version is ``latest``. Warn follows a stricter enforce level
    when it has no level of its own.
    """
    if not labels:
        return defaults, []
    errs: list[FieldError] = []
    modes: dict[str, LevelVersion] = {"enforce": defaults.enforce, "audit": defaults.audit, "warn": defaults.warn}
    enforce_level_set = False
    for mode, fail_level in (("enforce", RESTRICTED), ("audit", PRIVILEGED), ("warn", PRIVILEGED)):
        level_label, version_label = f"{LABEL_PREFIX}{mode}", f"{LABEL_PREFIX}{mode}-version"
        if level_label in labels:
            value = labels[level_label]
            level = _parse_level(value)
            if level is None:
                errs.append(_label_error(level_label, value, "must be one of " + ", ".join(LEVELS)))
            elif mode == "enforce":
                enforce_level_set = True
            modes[mode] = replace(modes[mode], level=level or fail_level)
        if version_label in labels:
            value = labels[version_label]
            version = _parse_version(value)
            if version is None:
                errs.append(_label_error(version_label, value, 'must be "latest" or "v1.x"'))
            modes[mode] = replace(modes[mode], version=version or Version.LATEST)
    enforce, warn = modes["enforce"], modes["warn"]
    if WARN_LEVEL_LABEL not in labels and enforce_level_set and compare_levels(enforce.level, warn.level) > 0:
        warn = replace(warn, level=enforce.level)
        if WARN_VERSION_LABEL not in labels:
            warn = replace(warn, version=enforce.version)
    return Policy(enforce, modes["audit"], warn), errs
