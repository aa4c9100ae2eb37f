"""Container and node usage: what metrics-server would scrape from the kubelets, as a test sets it.

A test sets a pod's usage (``set_pod``), or a rule gives it to every container it matches
(``pods(labels=...).use(cpu="250m", memory="64Mi")``, matched as the pod rules of
``fakeapi.kubelet.behaviour`` are, first match wins); a container nothing sets uses nothing.
A node's usage is what was set for it (``set_node``), else the sum over the pods running there.
Only running pods have metrics, as from metrics-server (it reports containers it saw running).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from fakeapi.apimachinery.quantity import parse_quantity
from fakeapi.kubelet.behaviour import OwnerChain, PodMatch
from fakeapi.storage.interfaces import Object


@dataclass(frozen=True)
class Usage:
    """CPU in cores and memory in bytes, exactly."""

    cpu: Fraction = Fraction(0)
    memory: Fraction = Fraction(0)

    @classmethod
    def of(cls, cpu: str | int | float = 0, memory: str | int | float = 0) -> Usage:
        """From Kubernetes quantities (``"250m"``, ``"64Mi"``); a malformed one raises ValueError."""
        return cls(parse_quantity(cpu), parse_quantity(memory))

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.cpu + other.cpu, self.memory + other.memory)


@dataclass(frozen=True)
class UsageRule:
    match: PodMatch
    usage: Usage


class UsageRules:
    """``metrics.pods(...)``: the containers a usage is for."""

    def __init__(self, metrics: ResourceUsage, match: PodMatch) -> None:
        self._metrics = metrics
        self.match = match

    def use(self, *, cpu: str | int | float = 0, memory: str | int | float = 0) -> UsageRule:
        """Each matching container uses this much (CPU in cores or millicores, memory in bytes or Mi...)."""
        return self._metrics.add(UsageRule(self.match, Usage.of(cpu, memory)))


class ResourceUsage:
    """The usage of one cluster's containers and nodes, as tests set it; cleared by a reset."""

    def __init__(self, owners: OwnerChain) -> None:
        self._owners = owners
        self._lock = threading.Lock()
        self._rules: list[UsageRule] = []
        # (namespace, pod, container or "" for every container of the pod) -> usage
        self._pods: dict[tuple[str, str, str], Usage] = {}
        self._nodes: dict[str, Usage] = {}

    def pods(
        self,
        *,
        namespace: str | None = None,
        labels: str | Mapping[str, str] | None = None,
        owner_kind: str | None = None,
        owner_name: str | None = None,
        container: str | None = None,
        image: str | None = None,
    ) -> UsageRules:
        """The containers a rule gives a usage: ``metrics.pods(labels={"app": "web"}).use(cpu="400m")``."""
        return UsageRules(self, PodMatch(namespace, labels, owner_kind, owner_name, container, image))

    def add(self, rule: UsageRule) -> UsageRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def set_pod(
        self,
        name: str,
        namespace: str = "default",
        *,
        cpu: str | int | float = 0,
        memory: str | int | float = 0,
        container: str = "",
    ) -> None:
        """The usage of each container of one pod (or of the one named), over any rule."""
        with self._lock:
            self._pods[(namespace, name, container)] = Usage.of(cpu, memory)

    def set_node(self, name: str, *, cpu: str | int | float = 0, memory: str | int | float = 0) -> None:
        """The node's own usage, instead of the sum over its pods."""
        with self._lock:
            self._nodes[name] = Usage.of(cpu, memory)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._pods.clear()
            self._nodes.clear()

    def container_usage(self, pod: Object, container: Object) -> Usage:
        meta = pod.get("metadata") or {}
        namespace, name = meta.get("namespace") or "", meta.get("name") or ""
        with self._lock:
            explicit = self._pods.get((namespace, name, container["name"])) or self._pods.get((namespace, name, ""))
            rules = list(self._rules)
        if explicit is not None:
            return explicit
        if rules:
            owners = self._owners(pod)
            for rule in rules:
                if rule.match.matches_pod(pod, owners) and rule.match.matches_container(container):
                    return rule.usage
        return Usage()

    def node_usage(self, name: str, pods: list[Object], running: Callable[[Object], bool]) -> Usage:
        with self._lock:
            explicit = self._nodes.get(name)
        if explicit is not None:
            return explicit
        total = Usage()
        for pod in pods:
            if (pod.get("spec") or {}).get("nodeName") == name and running(pod):
                for container in (pod.get("spec") or {}).get("containers") or []:
                    total = total + self.container_usage(pod, container)
        return total
