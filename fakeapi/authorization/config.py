"""The authorizer chain of kube-apiserver (pkg/kubeapiserver/authorizer/config.go ``New``).

The privileged group ``system:masters`` is always allowed, first; then each mode of
``--authorization-mode`` in the order given. fakeapi knows ``AlwaysAllow`` (its default: a
test cluster where everything is permitted), ``AlwaysDeny`` and ``RBAC``; the ``Node`` and
``Webhook`` modes need a kubelet or a webhook and are refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fakeapi.authorization.authorizer import (
    AlwaysAllowAuthorizer,
    AlwaysDenyAuthorizer,
    Authorizer,
    PrivilegedGroupAuthorizer,
    UnionAuthorizer,
)
from fakeapi.authorization.rbac import RBACAuthorizer, RBACObjects

__all__ = ["MODES", "new_authorizer", "parse_modes"]

MODES = ("AlwaysAllow", "AlwaysDeny", "RBAC")


def parse_modes(mode: str | Sequence[str]) -> list[str]:
    """The modes of an ``--authorization-mode`` value (comma-separated, or a list).

    Raises:
        ValueError: For an empty, unknown or repeated mode.
    """
    modes = [m.strip() for m in mode.split(",")] if isinstance(mode, str) else list(mode)
    if not modes or any(not m for m in modes):
        raise ValueError("at least one authorization-mode must be passed")
    for name in modes:
        if name not in MODES:
            raise ValueError(f'authorization-mode "{name}" is not supported by fakeapi (supported: {", ".join(MODES)})')
    if len(set(modes)) != len(modes):
        raise ValueError(f"authorization-mode {','.join(modes)} has mode specified more than once")
    return modes


def new_authorizer(mode: str | Sequence[str], rbac_objects: Callable[[], RBACObjects]) -> UnionAuthorizer:
    """The union authorizer (and rule resolver) for ``mode``, behind the privileged-group authorizer."""
    authorizers: list[Authorizer] = [PrivilegedGroupAuthorizer()]
    for name in parse_modes(mode):
        if name == "AlwaysAllow":
            authorizers.append(AlwaysAllowAuthorizer())
        elif name == "AlwaysDeny":
            authorizers.append(AlwaysDenyAuthorizer())
        else:
            authorizers.append(RBACAuthorizer(rbac_objects()))
    return UnionAuthorizer(*authorizers)
