"""The HorizontalPodAutoscaler controller (pkg/controller/podautoscaler/horizontal.go), autoscaling/v2.

Every HPA is reconciled when it changes and every 15 s of the server clock after
(``--horizontal-pod-autoscaler-sync-period``, a heartbeat: a clock jump runs it at its stops):
it reads the target's scale subresource, the pods its selector picks and their metrics from
``metrics.k8s.io`` (Resource and ContainerResource metrics, Utilization or AverageValue
targets), computes a recommendation per metric (``replica_calculator``) and takes the largest,
stabilizes it and limits its rate with the HPA's ``behavior`` (upstream's defaults when unset:
scale up by 100 % or 4 pods per 15 s, whichever is more, at once; scale down by 100 % per 15 s,
to the highest recommendation of the last 300 s), keeps it between ``minReplicas`` and
``maxReplicas``, writes the new count to the scale subresource, and reports status:
``currentMetrics``, ``currentReplicas``, ``desiredReplicas``, ``lastScaleTime`` and the
AbleToScale, ScalingActive and ScalingLimited conditions with upstream's reasons and messages.
A rescale is recorded as a ``SuccessfulRescale`` event (``New size: 4; reason: cpu resource
utilization (percentage of request) above target``).

Object, Pods and External metrics are not served here: an HPA using them reports ScalingActive False
(``FailedGetObjectMetric``, ``FailedGetPodsMetric``, ``FailedGetExternalMetric``).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.labels import parse_label_selector
from fakeapi.apimachinery.quantity import milli_value
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.context import ControllerContext
from fakeapi.controllers.controller_utils import PODS_PREFIX, meta, spec_of, status_of
from fakeapi.controllers.informer import ResourceEventHandlerFuncs
from fakeapi.controllers.podautoscaler.replica_calculator import MetricsError, Recommendation, resource_replicas
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import format_time, utc_now

NAME = "horizontalpodautoscaling"
SERVICE_ACCOUNT = "horizontal-pod-autoscaler"
COMPONENT = "horizontal-pod-autoscaler"
HPA_PREFIX = "autoscaling/horizontalpodautoscalers"
SYNC_PERIOD_SECONDS = 15.0
METRICS_PODS_PATH = "/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods"
# The default behavior (pkg/apis/autoscaling/v2/defaults.go GenerateHPAScaleUpRules/GenerateHPAScaleDownRules).
DEFAULT_SCALE_UP = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
DEFAULT_SCALE_DOWN = {
    "stabilizationWindowSeconds": 300,
    "selectPolicy": "Max",
    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
}

Key = tuple[str, str]


@dataclass
class _History:
    """What the controller remembers of one HPA: its recent recommendations and rescales (time, count)."""

    recommendations: list[tuple[float, int]] = field(default_factory=list)
    scale_up_events: list[tuple[float, int]] = field(default_factory=list)
    scale_down_events: list[tuple[float, int]] = field(default_factory=list)


def _condition(kind: str, status: bool, reason: str, message: str) -> Object:
    return {"type": kind, "status": "True" if status else "False", "reason": reason, "message": message}


def _metric_name(metric: Object) -> tuple[str, Object]:
    kind = metric.get("type")
    source = metric.get("resource") if kind == "Resource" else metric.get("containerResource")
    return str(kind), source or {}


class HorizontalController(QueueController[Key]):
    """Scales the targets of autoscaling/v2 HorizontalPodAutoscalers from resource metrics."""

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(NAME, self._sync, ctx.log)
        self._ctx = ctx
        self._client = ctx.client(SERVICE_ACCOUNT)
        self._recorder = ctx.recorder(self._client, COMPONENT)
        self._hpas = ctx.informers.lister(HPA_PREFIX)
        self._pods = ctx.informers.lister(PODS_PREFIX)
        self._history: dict[Key, _History] = {}
        self._history_lock = threading.Lock()
        ctx.informers.add_event_handler(
            HPA_PREFIX,
            ResourceEventHandlerFuncs(add=self._changed, update=self._updated, delete=self._deleted),
        )

    def reset_state(self) -> None:
        with self._history_lock:
            self._history.clear()

    def _key(self, hpa: Object) -> Key:
        return (meta(hpa).get("namespace") or "", meta(hpa)["name"])

    def _changed(self, hpa: Object) -> None:
        self.enqueue_key(self._key(hpa), cause="hpa changed")

    def _updated(self, old: Object, new: Object) -> None:
        # Its own status writes do not call for another reconcile; the resync does.
        if spec_of(old) != spec_of(new):
            self._changed(new)

    def _deleted(self, hpa: Object) -> None:
        with self._history_lock:
            self._history.pop(self._key(hpa), None)

    def _sync(self, key: Key) -> None:
        hpa = self._hpas.get(*key)
        if hpa is None:
            return
        try:
            self._reconcile(key, hpa)
        finally:
            self.enqueue_after(key, SYNC_PERIOD_SECONDS, cause="resync", periodic=True)

    # -- reconcile ------------------------------------------------------------------------------

    def _reconcile(self, key: Key, hpa: Object) -> None:
        namespace = key[0]
        spec = spec_of(hpa)
        ref = spec.get("scaleTargetRef") or {}
        target = self._ctx.resources.by_kind(ref.get("apiVersion") or "", ref.get("kind") or "")
        conditions: list[Object] = []
        status: Object = {"currentReplicas": 0, "desiredReplicas": 0}
        if target is None or not any(s.name == "scale" for s in target.spec.subresources):
            message = f'the HPA controller was unable to get the target\'s current scale: no matches for kind "{ref.get("kind")}" in group "{ref.get("apiVersion", "").rpartition("/")[0]}"'
            conditions.append(_condition("AbleToScale", False, "FailedGetScale", message))
            self._write_status(hpa, status, conditions)
            return
        try:
            scale = self._client.get(target.spec, namespace, ref.get("name") or "", "scale")
        except errors.StatusError as exc:
            message = f"the HPA controller was unable to get the target's current scale: {exc.message}"
            conditions.append(_condition("AbleToScale", False, "FailedGetScale", message))
            self._write_status(hpa, status, conditions)
            return
        current = int(spec_of(scale).get("replicas") or 0)
        status["currentReplicas"] = current
        minimum = int(spec.get("minReplicas") or 1)
        maximum = int(spec.get("maxReplicas") or 0)
        now = utc_now().timestamp()
        metric_status: list[Object] = []
        rescale_reason = ""
        if current == 0 and minimum != 0:
            desired = 0
            conditions.append(
                _condition(
                    "ScalingActive",
                    False,
                    "ScalingDisabled",
                    "scaling is disabled since the replica count of the target is zero",
                )
            )
        elif current > maximum:
            desired, rescale_reason = maximum, "Current number of replicas above Spec.MaxReplicas"
        elif current < minimum:
            desired, rescale_reason = minimum, "Current number of replicas below Spec.MinReplicas"
        else:
            proposal = self._from_metrics(hpa, scale, current, metric_status, conditions)
            if proposal is None:
                # setCurrentReplicasAndMetricsInStatus: desiredReplicas stays what it was. The scale was read, so
                # AbleToScale says so (reconcileAutoscaler sets it before computing the metrics).
                conditions.insert(
                    0,
                    _condition(
                        "AbleToScale",
                        True,
                        "SucceededGetScale",
                        "the HPA controller was able to get the target's current scale",
                    ),
                )
                status["desiredReplicas"] = int(status_of(hpa).get("desiredReplicas") or 0)
                self._write_status(hpa, status, conditions, metric_status)
                return
            desired, rescale_reason = proposal
            desired = self._normalize(key, hpa, current, desired, minimum, maximum, now, conditions)
        if desired != current:
            try:
                self._client.update(target.spec, {**scale, "spec": {**spec_of(scale), "replicas": desired}}, "scale")
            except errors.StatusError as exc:
                message = f"the HPA controller was unable to update the target scale: {exc.message}"
                conditions.insert(0, _condition("AbleToScale", False, "FailedUpdateScale", message))
                self._write_status(hpa, {**status, "desiredReplicas": current}, conditions, metric_status)
                return
            self._record_rescale(key, current, desired, now)
            message = f"the HPA controller was able to update the target scale to {desired}"
            conditions.insert(0, _condition("AbleToScale", True, "SucceededRescale", message))
            self._recorder.event(hpa, "Normal", "SuccessfulRescale", f"New size: {desired}; reason: {rescale_reason}")
            status["lastScaleTime"] = format_time(utc_now())
        elif not any(c["type"] == "AbleToScale" for c in conditions):
            conditions.insert(
                0, _condition("AbleToScale", True, "ReadyForNewScale", "recommended size matches current size")
            )
        status["desiredReplicas"] = desired
        self._write_status(hpa, status, conditions, metric_status)

    def _from_metrics(
        self, hpa: Object, scale: Object, current: int, metric_status: list[Object], conditions: list[Object]
    ) -> tuple[int, str] | None:
        """computeReplicasForMetrics: the largest proposal over the metrics, with its reason; None when none works."""
        namespace = meta(hpa).get("namespace") or ""
        selector_text = status_of(scale).get("selector") or ""
        selector = parse_label_selector(selector_text)
        pods = [p for p in self._pods.list(namespace) if selector.matches(meta(p).get("labels") or {})]
        try:
            listed = self._client.get_path(
                METRICS_PODS_PATH.format(namespace=namespace), {"labelSelector": selector_text}
            )
        except errors.StatusError as exc:
            listed = {"items": []}
            # client-go names the request a 404 without details answered (the metrics API is not served).
            error = f"{exc.message} (get pods.metrics.k8s.io)" if exc.code == 404 and not exc.details else exc.message
        else:
            error = ""
        metrics = {meta(m)["name"]: m for m in listed.get("items") or []}
        best: tuple[int, str] | None = None
        for metric in spec_of(hpa).get("metrics") or []:
            kind, source = _metric_name(metric)
            resource = str(source.get("name") or "")
            if kind not in ("Resource", "ContainerResource"):
                message = (
                    f"the HPA was unable to compute the replica count: {kind} metrics are not served by this cluster"
                )
                conditions.append(
                    _condition(
                        "ScalingActive",
                        False,
                        f"FailedGet{kind}Metric",
                        message,
                    )
                )
                return None
            target = source.get("target") or {}
            container = source.get("container") if kind == "ContainerResource" else None
            try:
                if error:
                    # replica_calculator.go GetResourceReplicas wrapping metrics/client.go GetResourceMetric.
                    raise MetricsError(
                        f"unable to get metrics for resource {resource}: "
                        f"unable to fetch metrics from resource metrics API: {error}"
                    )
                if target.get("type") == "Utilization":
                    recommendation = resource_replicas(
                        current,
                        pods,
                        metrics,
                        resource,
                        target_utilization=int(target.get("averageUtilization") or 0),
                        container=container,
                    )
                else:
                    average = milli_value(target.get("averageValue") or "0")
                    recommendation = resource_replicas(
                        current, pods, metrics, resource, target_average_milli=average, container=container
                    )
            except MetricsError as exc:
                # getUnableComputeReplicaCountCondition records the event; computeReplicasForMetrics then gives
                # up on the HPA with the first invalid metric's error. The loop stops at that metric rather than
                # trying the others, so every metric counts as invalid: true when the metrics API is missing.
                reason = "FailedGetResourceMetric" if kind == "Resource" else "FailedGetContainerResourceMetric"
                cause = f"failed to get {resource} utilization: {exc}"
                self._recorder.event(hpa, "Warning", reason, cause)
                message = f"the HPA was unable to compute the replica count: {cause}"
                conditions.append(_condition("ScalingActive", False, reason, message))
                metrics_count = len(spec_of(hpa).get("metrics") or [])
                self._recorder.event(
                    hpa,
                    "Warning",
                    "FailedComputeMetricsReplicas",
                    f"invalid metrics ({metrics_count} invalid out of {metrics_count}), first error is: "
                    f"failed to get {resource} resource metric value: {cause}",
                )
                return None
            metric_status.append(_current_metric(kind, resource, container, recommendation))
            description = _describe(resource, target)
            if best is None or recommendation.replicas > best[0]:
                direction = "above" if recommendation.replicas > current else "below"
                best = (recommendation.replicas, f"{description} {direction} target")
        if best is None:
            return None
        conditions.append(
            _condition(
                "ScalingActive",
                True,
                "ValidMetricFound",
                f"the HPA was able to successfully calculate a replica count from {best[1].rsplit(' ', 2)[0]}",
            )
        )
        if best[0] <= current:
            best = (best[0], "All metrics below target")
        return best

    # -- behavior ---------------------------------------------------------------------------------

    def _normalize(
        self,
        key: Key,
        hpa: Object,
        current: int,
        desired: int,
        minimum: int,
        maximum: int,
        now: float,
        conditions: list[Object],
    ) -> int:
        """normalizeDesiredReplicasWithBehaviors: stabilization windows, rate limits, then the bounds."""
        behavior = spec_of(hpa).get("behavior") or {}
        scale_up = {**DEFAULT_SCALE_UP, **(behavior.get("scaleUp") or {})}
        scale_down = {**DEFAULT_SCALE_DOWN, **(behavior.get("scaleDown") or {})}
        with self._history_lock:
            history = self._history.setdefault(key, _History())
            up_cutoff = now - float(scale_up["stabilizationWindowSeconds"])
            down_cutoff = now - float(scale_down["stabilizationWindowSeconds"])
            up, down = desired, desired
            for at, replicas in history.recommendations:
                if at > up_cutoff:
                    up = min(up, replicas)
                if at > down_cutoff:
                    down = max(down, replicas)
            horizon = max(
                float(scale_up["stabilizationWindowSeconds"]), float(scale_down["stabilizationWindowSeconds"])
            )
            history.recommendations = [(at, r) for at, r in history.recommendations if at > now - horizon]
            history.recommendations.append((now, desired))
            stabilized = max(current, up)
            stabilized = min(stabilized, down)
            if stabilized != desired:
                if stabilized > desired:
                    conditions.append(
                        _condition(
                            "AbleToScale",
                            True,
                            "ScaleDownStabilized",
                            "recent recommendations were higher than current one, applying the highest recent recommendation",
                        )
                    )
                else:
                    conditions.append(
                        _condition(
                            "AbleToScale",
                            True,
                            "ScaleUpStabilized",
                            "recent recommendations were lower than current one, applying the lowest recent recommendation",
                        )
                    )
            if stabilized > current:
                # convertDesiredReplicasWithBehaviorRate: the rate limit or maxReplicas, whichever is lower.
                limit = max(
                    _scale_up_limit(current, history.scale_up_events, history.scale_down_events, scale_up, now), current
                )
                if maximum > limit:
                    bound, reason, message = (
                        limit,
                        "ScaleUpLimit",
                        "the desired replica count is increasing faster than the maximum scale rate",
                    )
                else:
                    bound, reason, message = (
                        maximum,
                        "TooManyReplicas",
                        "the desired replica count is more than the maximum replica count",
                    )
                if stabilized > bound:
                    conditions.append(_condition("ScalingLimited", True, reason, message))
                    return bound
            elif stabilized < current:
                limit = min(
                    _scale_down_limit(current, history.scale_up_events, history.scale_down_events, scale_down, now),
                    current,
                )
                if minimum < limit:
                    bound, reason, message = (
                        limit,
                        "ScaleDownLimit",
                        "the desired replica count is decreasing faster than the maximum scale rate",
                    )
                else:
                    bound, reason, message = (
                        minimum,
                        "TooFewReplicas",
                        "the desired replica count is less than the minimum replica count",
                    )
                if stabilized < bound:
                    conditions.append(_condition("ScalingLimited", True, reason, message))
                    return bound
        if stabilized > maximum:
            conditions.append(
                _condition(
                    "ScalingLimited",
                    True,
                    "TooManyReplicas",
                    "the desired replica count is more than the maximum replica count",
                )
            )
            return maximum
        if stabilized < minimum:
            conditions.append(
                _condition(
                    "ScalingLimited",
                    True,
                    "TooFewReplicas",
                    "the desired replica count is less than the minimum replica count",
                )
            )
            return minimum
        conditions.append(
            _condition(
                "ScalingLimited", False, "DesiredWithinRange", "the desired count is within the acceptable range"
            )
        )
        return stabilized

    def _record_rescale(self, key: Key, current: int, desired: int, now: float) -> None:
        with self._history_lock:
            history = self._history.setdefault(key, _History())
            if desired > current:
                history.scale_up_events.append((now, desired - current))
            else:
                history.scale_down_events.append((now, current - desired))

    # -- status -----------------------------------------------------------------------------------

    def _write_status(
        self, hpa: Object, status: Object, conditions: list[Object], metrics: list[Object] | None = None
    ) -> None:
        old = status_of(hpa)
        stamp = format_time(utc_now())
        before = {c.get("type"): c for c in old.get("conditions") or []}
        merged: dict[str, Object] = {}
        for condition in conditions:
            if condition["type"] in merged:
                continue  # the first reason for a condition stands, as setCondition keeps the latest call's
            previous = before.get(condition["type"])
            same = previous is not None and previous.get("status") == condition["status"]
            merged[condition["type"]] = {
                **condition,
                "lastTransitionTime": previous.get("lastTransitionTime", stamp) if same and previous else stamp,
            }
        for kind, previous in before.items():
            merged.setdefault(str(kind), previous)
        new_status: Object = {
            **status,
            "conditions": [merged[k] for k in ("AbleToScale", "ScalingActive", "ScalingLimited") if k in merged],
        }
        if metrics:
            new_status["currentMetrics"] = metrics
        if "lastScaleTime" not in new_status and old.get("lastScaleTime"):
            new_status["lastScaleTime"] = old["lastScaleTime"]
        generation = meta(hpa).get("generation")
        if generation is not None:
            new_status["observedGeneration"] = generation
        if new_status == old:
            return
        spec = self._ctx.spec(HPA_PREFIX)
        try:
            self._client.update(
                spec,
                {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", **hpa, "status": new_status},
                "status",
            )
        except errors.StatusError as exc:
            if exc.code not in (404, 409):
                raise


def _describe(resource: str, target: Object) -> str:
    """The metric as upstream's rescale reasons name it."""
    if target.get("type") == "Utilization":
        return f"{resource} resource utilization (percentage of request)"
    return f"{resource} resource"


def _current_metric(kind: str, resource: str, container: str | None, recommendation: Recommendation) -> Object:
    current: Object = {"averageValue": _format_milli(recommendation.average_milli, resource)}
    if recommendation.utilization is not None:
        current["averageUtilization"] = recommendation.utilization
    source: Object = {"name": resource, "current": current}
    if kind == "ContainerResource":
        source["container"] = container
        return {"type": kind, "containerResource": source}
    return {"type": kind, "resource": source}


def _format_milli(milli: int, resource: str) -> str:
    """resource.NewMilliQuantity(...).String(): whole units when it divides, else milli-units."""
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def _replicas_changed(events: list[tuple[float, int]], period: float, now: float) -> int:
    return sum(change for at, change in events if at > now - period)


def _scale_up_limit(
    current: int, up_events: list[tuple[float, int]], down_events: list[tuple[float, int]], rules: Object, now: float
) -> int:
    """calculateScaleUpLimitWithScalingRules."""
    limits = []
    for policy in rules.get("policies") or []:
        period = float(policy.get("periodSeconds") or 15)
        start = current - _replicas_changed(up_events, period, now) + _replicas_changed(down_events, period, now)
        if policy.get("type") == "Pods":
            limits.append(start + int(policy.get("value") or 0))
        else:
            limits.append(math.ceil(start * (1 + int(policy.get("value") or 0) / 100)))
    if not limits:
        return current
    if rules.get("selectPolicy") == "Disabled":
        return current
    return min(limits) if rules.get("selectPolicy") == "Min" else max(limits)


def _scale_down_limit(
    current: int, up_events: list[tuple[float, int]], down_events: list[tuple[float, int]], rules: Object, now: float
) -> int:
    """calculateScaleDownLimitWithBehaviors."""
    limits = []
    for policy in rules.get("policies") or []:
        period = float(policy.get("periodSeconds") or 15)
        start = current - _replicas_changed(up_events, period, now) + _replicas_changed(down_events, period, now)
        if policy.get("type") == "Pods":
            limits.append(start - int(policy.get("value") or 0))
        else:
            limits.append(math.ceil(start * (1 - int(policy.get("value") or 0) / 100)))
    if not limits or rules.get("selectPolicy") == "Disabled":
        return current
    return max(limits) if rules.get("selectPolicy") == "Min" else min(limits)
