"""Pods (pkg/registry/core/pod/strategy.go; their v1 defaulting is in ``fakeapi.registry.defaults``).

A new pod is Pending with what admission plugins add. Deletion is graceful as upstream's
CheckGracefulDelete makes it (the request's grace period, else the pod's
terminationGracePeriodSeconds; none for a pod not scheduled or already terminal), but only for
a pod on a node whose kubelet will finish the deletion: the server tells the strategy which
nodes those are (``kubelet_runs``). Anywhere else a delete is immediate, as otherwise
``kubectl delete pod`` would wait for a kubelet that never comes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors, field
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.apimachinery.labels import selector_from_label_selector_dict
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupKind
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.generic.store import Store
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.rest import DeleteOptions, ListOptions, Preconditions, WriteOptions, object_field
from fakeapi.registry.strategy import Strategy
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import now_rfc3339
from fakeapi.util.identity import IdentityGenerator

# api/v1 defaults terminationGracePeriodSeconds to 30 (DefaultTerminationGracePeriodSeconds).
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30


class PodStrategy(Strategy):
    def __init__(self, spec: ResourceSpec, schemas: SchemaRegistry, identity: IdentityGenerator) -> None:
        super().__init__(spec, schemas, identity)
        # Whether a simulated kubelet runs on a node (and so finishes the deletion of its pods);
        # set by the server when the kubelets run, None when no node has one.
        self.kubelet_runs: Callable[[str], bool] | None = None

    def check_graceful_delete(self, ctx: RequestContext, obj: Object, options: DeleteOptions) -> bool:
        """podStrategy.CheckGracefulDelete: the pod stays Terminating for its grace period, set on ``options``."""
        spec = obj.get("spec") or {}
        if options.grace_period_seconds is not None:
            period = int(options.grace_period_seconds)
        else:
            period = int(spec.get("terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS) or 0)
        node = spec.get("nodeName") or ""
        if not node or (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            period = 0
        elif self.kubelet_runs is None or not self.kubelet_runs(node):
            # No kubelet will ever confirm the containers stopped: the deletion cannot wait for one.
            period = 0
        # Negative values are treated as one second on the delete path.
        options.grace_period_seconds = max(period, 1) if period < 0 else period
        return options.grace_period_seconds > 0

    def prepare_for_create(self, ctx: RequestContext, obj: Object) -> None:
        super().prepare_for_create(ctx, obj)
        spec = obj.get("spec")
        if isinstance(spec, dict):
            # What admission plugins add to pods (not to pod templates): the ServiceAccount plugin
            # an account, the Priority plugin the default priority.
            spec.setdefault("serviceAccountName", "default")
            spec.setdefault("serviceAccount", spec["serviceAccountName"])
            spec.setdefault("priority", 0)
            spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        obj["status"] = {"phase": "Pending", "qosClass": _qos_class(spec)}


def _qos_class(spec: Any) -> str:
    """GetPodQOS, reduced: BestEffort without requests/limits, Guaranteed when they agree, else Burstable."""
    containers = (spec or {}).get("containers") or []
    resources = [c.get("resources") or {} for c in containers if isinstance(c, dict)]
    if all(not r.get("requests") and not r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        r.get("limits")
        and {k: r["limits"].get(k) for k in ("cpu", "memory")}
        == {k: (r.get("requests") or r["limits"]).get(k) for k in ("cpu", "memory")}
        and "cpu" in r["limits"]
        and "memory" in r["limits"]
        for r in resources
    )
    return "Guaranteed" if guaranteed else "Burstable"


# Subresource → the part of the pod spec it may change.
POD_SPEC_PARTS = {"ephemeralcontainers": "ephemeralContainers", "resize": "resources"}


class PodSpecPartStrategy(Strategy):
    """/ephemeralcontainers and /resize: only one part of the pod spec may change.

    Mirrors podEphemeralContainersStrategy and podResizeStrategy: everything else comes from
    the stored pod.
    """

    def __init__(self, spec: ResourceSpec, schemas: SchemaRegistry, identity: IdentityGenerator, part: str) -> None:
        super().__init__(spec, schemas, identity)
        self.part = part

    def prepare_for_update(self, ctx: RequestContext, obj: Object, old: Object) -> None:
        new_spec = obj.get("spec") or {}
        updated = deep_copy_json(old)
        if self.part == "ephemeralContainers":
            # Already defaulted, as the whole pod is when the Store receives it.
            updated.setdefault("spec", {})["ephemeralContainers"] = new_spec.get("ephemeralContainers") or []
        else:
            # resize: container resources (and resize policy) only, matched by container name.
            resources = {c.get("name"): c for c in new_spec.get("containers") or [] if isinstance(c, dict)}
            for container in updated.get("spec", {}).get("containers") or []:
                source = resources.get(container.get("name"))
                if source is not None:
                    container["resources"] = source.get("resources") or {}
        updated["metadata"]["resourceVersion"] = (obj.get("metadata") or {}).get("resourceVersion")
        obj.clear()
        obj.update(updated)


@dataclass
class BindingREST:
    """pods/<name>/binding and the legacy /bindings: assign a pod to a node (BindingREST.Create).

    The pod gets ``spec.nodeName`` and a PodScheduled condition; a pod already bound answers
    409 as upstream's assignPod does. The answer is a Success Status with code 201.
    """

    # A callable, because the legacy /bindings resource is built before the pods' Store.
    pods_store: Callable[[], Store]
    spec: ResourceSpec

    def new(self) -> Object:
        return {"apiVersion": "v1", "kind": "Binding", "metadata": {}}

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        name = (obj.get("metadata") or {}).get("name") or ""
        return self.create_named(ctx, name, obj, options)

    def create_named(self, ctx: RequestContext, name: str, obj: Object, options: WriteOptions) -> Object:
        binding_name = (obj.get("metadata") or {}).get("name") or name
        if binding_name != name:
            raise errors.new_bad_request("name in URL does not match name in Binding object")
        target = obj.get("target") or {}
        node = target.get("name") or ""
        if not node:
            raise errors.new_invalid(GroupKind("", "Binding"), name, [field.required("target.name", "")])
        pods = self.pods_store()
        key = pods.key_func(ctx.namespace, name)

        def assign(pod: Object | None) -> Object:
            # setPodNodeNameAndMetadata: straight to storage, no strategy, as upstream.
            if pod is None:
                raise errors.new_not_found(pods.spec.group_resource, name)
            current = (pod.get("spec") or {}).get("nodeName")
            if current:
                raise errors.new_conflict(
                    pods.spec.group_resource, name, f'pod {name} is already assigned to node "{current}"'
                )
            updated = deep_copy_json(pod)
            object_field(updated, "spec")["nodeName"] = node
            status = object_field(updated, "status")
            conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
            conditions.append({"type": "PodScheduled", "status": "True", "lastTransitionTime": now_rfc3339()})
            status["conditions"] = conditions
            return updated

        pods.storage.guaranteed_update(key, assign, dry_run=options.dry_run)
        return _success(201)


@dataclass
class EvictionREST:
    """pods/<name>/eviction (policy/v1 Eviction): delete the pod unless a disruption budget forbids it.

    Follows pkg/registry/core/pod/storage/eviction.go: every PodDisruptionBudget in the pod's
    namespace whose selector matches it must allow a disruption (``status.disruptionsAllowed``
    > 0, which is then decremented); otherwise 429 TooManyRequests.
    """

    pods: Store
    # Looked up per request: PodDisruptionBudgets live in another group, which may be disabled.
    budgets_store: Callable[[], Store | None]
    spec: ResourceSpec

    def new(self) -> Object:
        return {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {}}

    def create_named(self, ctx: RequestContext, name: str, obj: Object, options: WriteOptions) -> Object:
        pod = self.pods.get(ctx, name)
        for budget in self._matching_budgets(ctx, pod):
            budget_name = budget["metadata"]["name"]
            allowed = int((budget.get("status") or {}).get("disruptionsAllowed") or 0)
            if allowed <= 0:
                err = errors.StatusError(
                    429,
                    "TooManyRequests",
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                )
                err.details = {
                    "causes": [
                        {
                            "reason": "DisruptionBudget",
                            "message": f"The disruption budget {budget_name} needs "
                            f"{(budget.get('status') or {}).get('desiredHealthy', 0)} healthy pods and has "
                            f"{(budget.get('status') or {}).get('currentHealthy', 0)} currently",
                        }
                    ]
                }
                raise err
        delete_options = _delete_options(obj.get("deleteOptions") or {}, options.dry_run)
        budgets = self.budgets_store()
        if budgets is not None and not options.dry_run:
            for budget in self._matching_budgets(ctx, pod):
                self._take_disruption(budgets, budget)
        self.pods.delete(ctx, name, delete_options)
        return _success(201)

    def _matching_budgets(self, ctx: RequestContext, pod: Object) -> list[Object]:
        budgets = self.budgets_store()
        if budgets is None:
            return []
        labels = (pod.get("metadata") or {}).get("labels") or {}
        listed = budgets.list(ctx, ListOptions())
        return [
            b
            for b in listed["items"]
            if selector_from_label_selector_dict((b.get("spec") or {}).get("selector")).matches(labels)
        ]

    def _take_disruption(self, budgets: Store, budget: Object) -> None:
        meta = budget["metadata"]

        def decrement(current: Object | None) -> Object:
            if current is None:
                raise errors.new_not_found(budgets.spec.group_resource, meta["name"])
            updated = deep_copy_json(current)
            status = object_field(updated, "status")
            status["disruptionsAllowed"] = int(status.get("disruptionsAllowed") or 0) - 1
            return updated

        budgets.storage.guaranteed_update(budgets.key_func(meta.get("namespace", ""), meta["name"]), decrement)


def _delete_options(body: dict[str, Any], dry_run: bool) -> DeleteOptions:
    preconditions = body.get("preconditions") or {}
    return DeleteOptions(
        dry_run=dry_run or body.get("dryRun") == ["All"],
        grace_period_seconds=body.get("gracePeriodSeconds"),
        preconditions=Preconditions(preconditions.get("uid"), preconditions.get("resourceVersion")),
        propagation_policy=body.get("propagationPolicy"),
    )


def _success(code: int) -> Object:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": code}
