"""Pods (pkg/registry/core/pod/strategy.go; their v1 defaulting is in ``fakeapi.registry.defaults``).

A new pod is Pending (what admission plugins add comes from ``fakeapi.admission``). Deletion is graceful as upstream's
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
from fakeapi.apimachinery.field import FieldError
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
from fakeapi.util.poddisruptionbudget import update_disruption_allowed_condition

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

    def validate_update(self, ctx: RequestContext, obj: Object, old: Object) -> list[FieldError]:
        # ValidatePodEphemeralContainersUpdate and ValidatePodResize, not ValidatePodUpdate: the part
        # this subresource changes is the one part of the spec ValidatePodUpdate would refuse.
        return self.validate(ctx, obj)


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


# MaxDisruptedPodSize: evictions the disruption controller has not confirmed yet, beyond which a budget refuses more.
MAX_DISRUPTED_POD_SIZE = 2000
EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."
DISRUPTION_BUDGET_CAUSE = "DisruptionBudget"


def _too_many_requests(cause: str, retry_after_seconds: int) -> errors.StatusError:
    """errors.NewTooManyRequests with a DisruptionBudget cause: the message has no prefix."""
    return errors.StatusError(
        429,
        "TooManyRequests",
        EVICTION_REFUSED,
        {"causes": [{"reason": DISRUPTION_BUDGET_CAUSE, "message": cause}], "retryAfterSeconds": retry_after_seconds},
    )


def _still_processing(budget_name: str) -> errors.StatusError:
    """createTooManyRequestsError: the disruption controller has not caught up with the budget."""
    return _too_many_requests(f"The disruption budget {budget_name} is still being processed by the server.", 10)


def _is_ready(pod: Object) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


@dataclass
class EvictionREST:
    """pods/<name>/eviction (policy/v1 Eviction): delete the pod unless its disruption budget forbids it.

    Follows pkg/registry/core/pod/storage/eviction.go. A pod that is Pending, finished or
    already terminating is deleted without looking at budgets. Otherwise the one
    PodDisruptionBudget whose selector matches the pod (more than one is a 500) must allow a
    disruption: its status must be observed for its generation and ``disruptionsAllowed`` be
    positive; the allowance is decremented and the pod recorded in ``disruptedPods`` (so the
    disruption controller does not count it healthy), atomically with the check. Refusals are
    429 TooManyRequests with a DisruptionBudget cause. A pod that is not Ready costs no
    allowance while the budget is met (or its unhealthyPodEvictionPolicy is AlwaysAllow); it is
    deleted on condition that it did not change meanwhile.
    """

    pods: Store
    # Looked up per request: PodDisruptionBudgets live in another group, which may be disabled.
    budgets_store: Callable[[], Store | None]
    spec: ResourceSpec

    def new(self) -> Object:
        return {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {}}

    def create_named(self, ctx: RequestContext, name: str, obj: Object, options: WriteOptions) -> Object:
        if ((obj.get("metadata") or {}).get("name") or name) != name:
            raise errors.new_bad_request("name in URL does not match name in Eviction object")
        delete_options = _delete_options(obj.get("deleteOptions") or {}, options.dry_run)
        pod = self.pods.get(ctx, name)
        meta = pod.get("metadata") or {}
        if (pod.get("status") or {}).get("phase") in ("Pending", "Succeeded", "Failed") or meta.get(
            "deletionTimestamp"
        ):
            # canIgnorePDB: the pod disrupts nothing (more) by going.
            self.pods.delete(ctx, name, delete_options)
            return _success(201)
        budgets = self._matching_budgets(ctx, pod)
        if len(budgets) > 1:
            raise errors.StatusError(
                500,
                "",
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
            )
        if budgets:
            budget = budgets[0]
            status = budget.get("status") or {}
            spec = budget.get("spec") or {}
            unhealthy_may_go = spec.get("unhealthyPodEvictionPolicy") == "AlwaysAllow" or (
                int(status.get("currentHealthy") or 0) >= int(status.get("desiredHealthy") or 0) > 0
            )
            if not _is_ready(pod) and unhealthy_may_go:
                # Not healthy, so not counted: delete it as long as it did not become ready meanwhile.
                delete_options.preconditions = Preconditions(
                    delete_options.preconditions.uid,
                    delete_options.preconditions.resource_version or meta.get("resourceVersion"),
                )
                try:
                    self.pods.delete(ctx, name, delete_options)
                except errors.StatusError as exc:
                    if exc.code == 409:
                        raise _still_processing(budget["metadata"]["name"]) from exc
                    raise
                return _success(201)
            self._check_and_decrement(budget, name, delete_options.dry_run)
        self.pods.delete(ctx, name, delete_options)
        return _success(201)

    def _matching_budgets(self, ctx: RequestContext, pod: Object) -> list[Object]:
        """getPodDisruptionBudgets: a budget with an empty (or invalid) selector matches no pod."""
        budgets = self.budgets_store()
        if budgets is None:
            return []
        labels = (pod.get("metadata") or {}).get("labels") or {}
        matching = []
        for budget in budgets.list(ctx, ListOptions())["items"]:
            try:
                selector = selector_from_label_selector_dict((budget.get("spec") or {}).get("selector"))
            except ValueError:
                continue
            if not selector.empty and selector.matches(labels):
                matching.append(budget)
        return matching

    def _check_and_decrement(self, budget: Object, pod_name: str, dry_run: bool) -> None:
        """checkAndDecrement, on the budget's current state under the storage's compare-and-swap."""
        budgets = self.budgets_store()
        assert budgets is not None
        meta = budget["metadata"]

        def decrement(current: Object | None) -> Object:
            if current is None:
                raise errors.new_not_found(budgets.spec.group_resource, meta["name"])
            status = current.get("status") or {}
            generation = int((current.get("metadata") or {}).get("generation") or 0)
            allowed = int(status.get("disruptionsAllowed") or 0)
            if int(status.get("observedGeneration") or 0) < generation:
                raise _still_processing(meta["name"])
            if allowed < 0:
                raise errors.new_forbidden(
                    budgets.spec.group_resource, meta["name"], "pdb disruptions allowed is negative"
                )
            if len(status.get("disruptedPods") or {}) > MAX_DISRUPTED_POD_SIZE:
                raise errors.new_forbidden(
                    budgets.spec.group_resource,
                    meta["name"],
                    "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
                )
            if allowed == 0:
                raise _too_many_requests(
                    f"The disruption budget {meta['name']} needs {int(status.get('desiredHealthy') or 0)} "
                    f"healthy pods and has {int(status.get('currentHealthy') or 0)} currently",
                    0,
                )
            updated = deep_copy_json(current)
            new_status = object_field(updated, "status")
            new_status["disruptionsAllowed"] = allowed - 1
            if allowed == 1:
                update_disruption_allowed_condition(new_status)
            new_status["disruptedPods"] = {**(new_status.get("disruptedPods") or {}), pod_name: now_rfc3339()}
            return updated

        budgets.storage.guaranteed_update(
            budgets.key_func(meta.get("namespace", ""), meta["name"]), decrement, dry_run=dry_run
        )


def _delete_options(body: dict[str, Any], dry_run: bool) -> DeleteOptions:
    preconditions = body.get("preconditions") or {}
    return DeleteOptions(
        # propagateDryRun (eviction.go): any dry-run value in the eviction's options makes it a dry run.
        dry_run=dry_run or bool(body.get("dryRun")),
        grace_period_seconds=body.get("gracePeriodSeconds"),
        preconditions=Preconditions(preconditions.get("uid"), preconditions.get("resourceVersion")),
        propagation_policy=body.get("propagationPolicy"),
    )


def _success(code: int) -> Object:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": code}


def pod_container_names(pod: Object) -> list[str]:
    """podutil.VisitContainers: init containers, containers, then ephemeral containers."""
    spec = pod.get("spec") or {}
    return [
        str(c.get("name", ""))
        for key in ("initContainers", "containers", "ephemeralContainers")
        for c in spec.get(key) or []
    ]


def validate_container(container: str, pod: Object) -> str:
    """validateContainer (strategy.go): the container a log, exec or attach request means, or upstream's 400.

    Left out, it is the pod's only container; with several, the request must name one.
    """
    name = (pod.get("metadata") or {}).get("name", "")
    if container:
        if container not in pod_container_names(pod):
            raise errors.new_bad_request(f"container {container} is not valid for pod {name}")
        return container
    containers = (pod.get("spec") or {}).get("containers") or []
    if len(containers) == 1:
        return str(containers[0].get("name", ""))
    if not containers:
        raise errors.new_bad_request(f"a container name must be specified for pod {name}")
    # Go prints the names as a slice: [a b c].
    choices = " ".join(pod_container_names(pod))
    raise errors.new_bad_request(f"a container name must be specified for pod {name}, choose one of: [{choices}]")
