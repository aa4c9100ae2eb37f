"""Well-known users and groups (k8s.io/apiserver/pkg/authentication/user/user.go, serviceaccount/util.go)."""

from __future__ import annotations

from fakeapi.apimachinery.validation import is_dns1123_label, is_dns1123_subdomain
from fakeapi.endpoints.request import UserInfo

__all__ = [
    "ALL_AUTHENTICATED",
    "ALL_UNAUTHENTICATED",
    "ANONYMOUS",
    "APISERVER_USER",
    "SERVICE_ACCOUNT_GROUP_PREFIX",
    "SERVICE_ACCOUNT_USERNAME_PREFIX",
    "SYSTEM_PRIVILEGED_GROUP",
    "make_service_account_group_names",
    "make_service_account_username",
    "split_service_account_username",
]

SYSTEM_PRIVILEGED_GROUP = "system:masters"
ALL_AUTHENTICATED = "system:authenticated"
ALL_UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"
# The loopback client's identity: what the API server's own controllers act as.
APISERVER_USER = UserInfo("system:apiserver", (SYSTEM_PRIVILEGED_GROUP,))

SERVICE_ACCOUNT_USERNAME_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNT_GROUP_PREFIX = "system:serviceaccounts:"
ALL_SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts"


def make_service_account_username(namespace: str, name: str) -> str:
    """``system:serviceaccount:<namespace>:<name>``."""
    return f"{SERVICE_ACCOUNT_USERNAME_PREFIX}{namespace}:{name}"


def make_service_account_group_names(namespace: str) -> tuple[str, str]:
    """The groups every service account of ``namespace`` is in."""
    return (ALL_SERVICE_ACCOUNTS_GROUP, f"{SERVICE_ACCOUNT_GROUP_PREFIX}{namespace}")


def split_service_account_username(username: str) -> tuple[str, str] | None:
    """``(namespace, name)`` of a service-account user name, or None for any other name.

    As ``serviceaccount.SplitUsername``: exactly two parts, a valid namespace name and a valid
    service-account name.
    """
    if not username.startswith(SERVICE_ACCOUNT_USERNAME_PREFIX):
        return None
    parts = username[len(SERVICE_ACCOUNT_USERNAME_PREFIX) :].split(":")
    if len(parts) != 2:
        return None
    namespace, name = parts
    if is_dns1123_label(namespace) or is_dns1123_subdomain(name):
        return None
    return namespace, name
