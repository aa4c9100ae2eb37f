"""The columns ``kubectl get`` shows for each built-in kind, as kube-apiserver's printers make them.

Follows pkg/printers/internalversion/printers.go: ``AddHandlers`` (the column definitions of
every kind) and the ``print*`` functions (the cells of a row), with the helpers they call
(``translateTimestampSince``, ``layoutContainerCells``, ``formatEndpoints``...) and
k8s.io/apimachinery/pkg/util/duration ``HumanDuration`` for ages.

Upstream prints the internal version of an object, reached by conversion and defaulting. Here
objects are the served JSON, so two things stand in for that step: a ``to_internal`` hook where a
served version has another shape than the internal type (events.k8s.io Events, autoscaling/v1
HorizontalPodAutoscalers), and cells that read an absent field as the value v1 defaulting would
have stored (one replica, ``Filesystem`` volumes...), so a row looks the same whether or not the
store defaulted the object.

The table is data: one :class:`Printer` per kind, a tuple of :class:`Column` each holding its
cell function. The server always prints wide, as upstream's printer storage does
(``GenerateOptions{Wide: true}``); kubectl hides columns of priority 1 unless ``-o wide``.
Column descriptions are the OpenAPI field descriptions upstream's ``SwaggerDoc()`` calls return.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from fakeapi.apimachinery.labels import SelectorParseError, selector_from_label_selector_dict
from fakeapi.apimachinery.schema import GroupKind, GroupVersion
from fakeapi.registry.core.event import events_v1_to_core
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import parse_time

Cell = Callable[[Object, datetime], Any]
"""Computes one cell from an object (in its internal shape) and the time the table is made."""

NONE = "<none>"
UNSET = "<unset>"
UNKNOWN = "<unknown>"

# -- durations (apimachinery/pkg/util/duration) ---------------------------------------------------------


def human_duration(d: timedelta) -> str:
    """duration.HumanDuration: about two significant figures (``45s``, ``3m20s``, ``5h``, ``2d3h``, ``50d``)."""
    # A clock up to two seconds behind is tolerated as "now", as upstream does.
    seconds = int(d.total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = d // timedelta(minutes=1)
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = d // timedelta(hours=1)
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        rest = (hours // 24) % 365
        return f"{hours // 24 // 365}y{rest}d" if rest else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def since(timestamp: str | None, now: datetime) -> str:
    """translateTimestampSince (and its MicroTime twin): the age of a timestamp, ``<unknown>`` when unset."""
    if not timestamp:
        return UNKNOWN
    return human_duration(now - parse_time(timestamp))


# -- reading objects ----------------------------------------------------------------------------------


def get(obj: Any, *path: str | int) -> Any:
    """The value at ``path`` (keys and list indexes), None where any step is missing."""
    for step in path:
        if isinstance(step, int):
            obj = obj[step] if isinstance(obj, list) and -len(obj) <= step < len(obj) else None
        else:
            obj = obj.get(step) if isinstance(obj, dict) else None
        if obj is None:
            return None
    return obj


def field(*path: str | int, default: Any = "") -> Cell:
    """A cell holding the value at ``path``, ``default`` when it is absent (a Go zero value or a v1 default)."""

    def cell(obj: Object, now: datetime) -> Any:
        value = get(obj, *path)
        return default if value is None else value

    return cell


def non_empty(*path: str | int, default: str = NONE) -> Cell:
    """A cell holding the value at ``path``, ``default`` when it is absent or empty."""

    def cell(obj: Object, now: datetime) -> Any:
        return get(obj, *path) or default

    return cell


def length(*path: str) -> Cell:
    """A cell counting the entries of the list or map at ``path``."""

    def cell(obj: Object, now: datetime) -> int:
        return len(get(obj, *path) or ())

    return cell


def quantity(*path: str, default: str) -> Cell:
    """A cell holding the resource.Quantity at ``path`` as text (JSON may hold it as a number)."""

    def cell(obj: Object, now: datetime) -> str:
        value = get(obj, *path)
        return default if value is None else str(value)

    return cell


def _name(obj: Object, now: datetime) -> str:
    return get(obj, "metadata", "name") or ""


def _age(obj: Object, now: datetime) -> str:
    return since(get(obj, "metadata", "creationTimestamp"), now)


# -- formatting helpers ---------------------------------------------------------------------------------


def format_labels(labels: Mapping[str, str] | None) -> str:
    """labels.FormatLabels: ``k=v`` sorted by key, ``<none>`` for no labels."""
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels)) if labels else NONE


def format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: the selector's string, ``<none>`` when it selects all or nothing."""
    try:
        text = str(selector_from_label_selector_dict(selector))
    except SelectorParseError:
        return "<error>"
    return text or NONE


def _join_host_port(host: str, port: int) -> str:
    """net.JoinHostPort: IPv6 addresses in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _list_with_more(items: list[str], total: int, limit: int, *, empty: str = UNSET) -> str:
    """listWithMoreString: the first ``limit`` items, then ``+ N more...``."""
    text = ",".join(items[:limit])
    if total > limit:
        return f"{text} + {total - limit} more..."
    return text or empty


def _bool_text(value: bool) -> str:
    """printBool: Go's True/False."""
    return "True" if value else "False"


def _quantity_text(value: Any) -> str:
    """Quantity.String() of a *Quantity: ``<nil>`` for a missing one.

    Quantities are printed as stored; a real server stores them canonical (``1000m`` as ``1``).
    """
    return "<nil>" if value is None else str(value)


def _containers(*pod_spec: str) -> Cell:
    """layoutContainerCells, names half: the containers of the pod spec at ``pod_spec``."""

    def cell(obj: Object, now: datetime) -> str:
        return ",".join(c.get("name", "") for c in get(obj, *pod_spec, "containers") or ())

    return cell


def _images(*pod_spec: str) -> Cell:
    """layoutContainerCells, images half."""

    def cell(obj: Object, now: datetime) -> str:
        return ",".join(c.get("image", "") for c in get(obj, *pod_spec, "containers") or ())

    return cell


def _selector_of(*path: str) -> Cell:
    """A cell formatting the metav1.LabelSelector at ``path``."""

    def cell(obj: Object, now: datetime) -> str:
        return format_label_selector(get(obj, *path))

    return cell


def _labels_of(*path: str) -> Cell:
    """A cell formatting the label map (or map selector) at ``path``."""

    def cell(obj: Object, now: datetime) -> str:
        return format_labels(get(obj, *path))

    return cell


def _condition_true(conditions: Iterable[Mapping[str, Any]] | None, condition_type: str) -> bool:
    """Whether the first condition of that type has status True (hasJobCondition and friends)."""
    for condition in conditions or ():
        if condition.get("type") == condition_type:
            return condition.get("status") == "True"
    return False


# -- descriptions and columns -----------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    """Where a column's description comes from: a field of an OpenAPI definition (``SwaggerDoc()[field]``)."""

    definition: str
    field: str


def _api(path: str) -> Doc:
    """A field of a k8s.io/api type, as ``core.v1.PodStatus.podIP``."""
    definition, _, field_name = path.rpartition(".")
    return Doc(f"io.k8s.api.{definition}", field_name)


_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
META_NAME = Doc(_OBJECT_META, "name")
META_CREATION_TIMESTAMP = Doc(_OBJECT_META, "creationTimestamp")


@dataclass(frozen=True)
class Column:
    """metav1.TableColumnDefinition with the function that computes its cells."""

    name: str
    cell: Cell
    description: str | Doc = ""
    type: str = "string"
    format: str = ""
    priority: int = 0


@dataclass(frozen=True)
class Printer:
    """The table of one kind: a TableHandler's column definitions and its print function."""

    columns: tuple[Column, ...]
    # The conversion to the internal shape the cells read (None: the served shape is it).
    to_internal: Callable[[Object], Object] | None = None
    # metav1.TableRowCondition of a row (pods that finished).
    conditions: Callable[[Object], list[dict[str, str]]] | None = None
    # The order rows of a list are printed in (printFlowSchemaList sorts; None: storage order).
    sort_key: Callable[[Object], Any] | None = None


NAME = Column("Name", _name, META_NAME, format="name")
AGE = Column("Age", _age, META_CREATION_TIMESTAMP)

_TEMPLATE = ("spec", "template", "spec")
_CONTAINERS_DOC = "Names of each container in the template."
_IMAGES_DOC = "Images referenced by each container in the template."


def _template_columns(*pod_spec: str, selector: Column | None = None) -> tuple[Column, ...]:
    """The wide Containers, Images (and Selector) columns of a kind that holds a pod template."""
    columns = (
        Column("Containers", _containers(*pod_spec), _CONTAINERS_DOC, priority=1),
        Column("Images", _images(*pod_spec), _IMAGES_DOC, priority=1),
    )
    return columns + ((selector,) if selector else ())


# -- pods ---------------------------------------------------------------------------------------------------------


def _restartable_init(container: Mapping[str, Any] | None) -> bool:
    """podutil.IsRestartableInitContainer: a sidecar (an init container with restartPolicy Always)."""
    return container is not None and container.get("restartPolicy") == "Always"


def _later(current: str | None, candidate: str | None) -> str | None:
    """The later of two timestamps, either possibly unset."""
    if not candidate:
        return current
    if not current or parse_time(candidate) > parse_time(current):
        return candidate
    return current


@dataclass
class _PodSummary:
    ready: int
    total: int
    reason: str
    restarts: int
    last_restart: str | None


def _terminated_reason(terminated: Mapping[str, Any], prefix: str = "") -> str:
    if terminated.get("reason"):
        return prefix + terminated["reason"]
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _summarize_pod(pod: Object) -> _PodSummary:
    """printPod: the ready count, the status reason and the restarts of a pod."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    conditions = status.get("conditions") or []
    phase = status.get("phase", "")
    reason = status.get("reason") or phase
    if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated" for c in conditions):
        reason = "SchedulingGated"

    init_specs = {c.get("name"): c for c in spec.get("initContainers") or ()}
    total = len(spec.get("containers") or ()) + sum(1 for c in init_specs.values() if _restartable_init(c))
    ready = restarts = sidecar_restarts = 0
    last_restart: str | None = None
    last_sidecar_restart: str | None = None

    initializing = False
    init_statuses = status.get("initContainerStatuses") or []
    for i, container in enumerate(init_statuses):
        restarts += container.get("restartCount", 0)
        finished = get(container, "lastState", "terminated", "finishedAt")
        last_restart = _later(last_restart, finished)
        sidecar = _restartable_init(init_specs.get(container.get("name")))
        if sidecar:
            sidecar_restarts += container.get("restartCount", 0)
            last_sidecar_restart = _later(last_sidecar_restart, finished)
        terminated = get(container, "state", "terminated")
        waiting_reason = get(container, "state", "waiting", "reason")
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and container.get("started"):
            ready += 1 if container.get("ready") else 0
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting_reason and waiting_reason != "PodInitializing":
            reason = "Init:" + waiting_reason
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        error_reason = ""
        # Upstream walks the statuses backwards, so the first container's state wins.
        for container in reversed(status.get("containerStatuses") or []):
            restarts += container.get("restartCount", 0)
            last_restart = _later(last_restart, get(container, "lastState", "terminated", "finishedAt"))
            state = container.get("state") or {}
            if get(state, "waiting", "reason"):
                reason = state["waiting"]["reason"]
            elif state.get("terminated") is not None:
                reason = _terminated_reason(state["terminated"])
                if state["terminated"].get("exitCode", 0) != 0:
                    error_reason = reason
            elif container.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        # A pod whose containers completed is Running again while one of them still runs.
        if reason == "Completed":
            if has_running and _condition_true(conditions, "Ready"):
                reason = "Running"
            elif error_reason:
                reason = error_reason
            elif has_running:
                reason = "NotReady"

    deleting = get(pod, "metadata", "deletionTimestamp") is not None
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return _PodSummary(ready, total, reason, restarts, last_restart)


def _pod_ready(pod: Object, now: datetime) -> str:
    summary = _summarize_pod(pod)
    return f"{summary.ready}/{summary.total}"


def _pod_status(pod: Object, now: datetime) -> str:
    return _summarize_pod(pod).reason


def _pod_restarts(pod: Object, now: datetime) -> str:
    summary = _summarize_pod(pod)
    if summary.restarts and summary.last_restart:
        return f"{summary.restarts} ({since(summary.last_restart, now)} ago)"
    return str(summary.restarts)


def _pod_ip(pod: Object, now: datetime) -> str:
    return get(pod, "status", "podIPs", 0, "ip") or NONE


def _pod_readiness_gates(pod: Object, now: datetime) -> str:
    gates = get(pod, "spec", "readinessGates") or []
    if not gates:
        return NONE
    conditions = get(pod, "status", "conditions") or []
    passed = sum(1 for gate in gates if _condition_true(conditions, gate.get("conditionType", "")))
    return f"{passed}/{len(gates)}"


def _pod_conditions(pod: Object) -> list[dict[str, str]]:
    """podSuccessConditions / podFailedConditions: a finished pod's row is marked Completed."""
    phase = get(pod, "status", "phase")
    messages = {"Succeeded": "The pod has completed successfully.", "Failed": "The pod failed."}
    if phase not in messages:
        return []
    return [{"type": "Completed", "status": "True", "reason": phase, "message": messages[phase]}]


# -- workloads ----------------------------------------------------------------------------------------------


def _replicas_ready(obj: Object, now: datetime) -> str:
    """Deployments and StatefulSets: ``ready/desired``."""
    return f"{get(obj, 'status', 'readyReplicas') or 0}/{_desired_replicas(obj)}"


def _desired_replicas(obj: Object, now: datetime | None = None) -> int:
    # v1 defaulting stores one replica when none is asked for.
    replicas = get(obj, "spec", "replicas")
    return 1 if replicas is None else int(replicas)


def _deployment_selector(obj: Object, now: datetime) -> str:
    # printDeployment prints the selector itself, not FormatLabelSelector: empty stays empty.
    try:
        return str(selector_from_label_selector_dict(get(obj, "spec", "selector")))
    except SelectorParseError:
        return "<invalid>"


def _job_status(job: Object, now: datetime) -> str:
    conditions = get(job, "status", "conditions")
    for condition_type in ("Complete", "Failed"):
        if _condition_true(conditions, condition_type):
            return condition_type
    if get(job, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    for condition_type in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if _condition_true(conditions, condition_type):
            return condition_type
    return "Running"


def _job_completions(job: Object, now: datetime) -> str:
    succeeded = get(job, "status", "succeeded") or 0
    completions = get(job, "spec", "completions")
    parallelism = get(job, "spec", "parallelism")
    # v1 defaulting: a job that sets neither runs one pod to one completion.
    if completions is None and parallelism is None:
        completions = 1
    if completions is not None:
        return f"{succeeded}/{completions}"
    if (parallelism or 0) > 1:
        return f"{succeeded}/1 of {parallelism}"
    return f"{succeeded}/1"


def _job_duration(job: Object, now: datetime) -> str:
    start = get(job, "status", "startTime")
    if not start:
        return ""
    completion = get(job, "status", "completionTime")
    end = parse_time(completion) if completion else now
    return human_duration(end - parse_time(start))


def _cronjob_suspend(cronjob: Object, now: datetime) -> str:
    # printBoolPtr; v1 defaulting stores suspend: false.
    return _bool_text(bool(get(cronjob, "spec", "suspend")))


def _cronjob_last_schedule(cronjob: Object, now: datetime) -> str:
    last = get(cronjob, "status", "lastScheduleTime")
    return since(last, now) if last else NONE


def _pdb_bound(key: str) -> Cell:
    def cell(pdb: Object, now: datetime) -> str:
        value = get(pdb, "spec", key)
        return "N/A" if value is None else str(value)

    return cell


def _controller_of(revision: Object, now: datetime) -> str:
    """printControllerRevision: the controlling owner as ``kind.group/name``."""
    for ref in get(revision, "metadata", "ownerReferences") or ():
        if ref.get("controller"):
            group_kind = GroupKind(GroupVersion.parse(ref.get("apiVersion", "")).group, ref.get("kind", ""))
            named = group_kind.group or group_kind.kind
            return f"{str(group_kind).lower()}/{ref.get('name', '')}" if named else ref.get("name", "")
    return NONE


# -- services and networking ---------------------------------------------------------------------------


def _ingress_points(status: Mapping[str, Any] | None) -> str:
    """loadBalancerStatusStringer (wide, so never clipped): the sorted set of ingress IPs or hostnames."""
    points = {point.get("ip") or point.get("hostname") for point in get(status, "ingress") or ()}
    return ",".join(sorted(p for p in points if p))


def _service_external_ip(service: Object, now: datetime) -> str:
    spec = service.get("spec") or {}
    external = spec.get("externalIPs") or []
    service_type = spec.get("type", "ClusterIP")
    if service_type in ("ClusterIP", "NodePort"):
        return ",".join(external) or NONE
    if service_type == "LoadBalancer":
        load_balancer = _ingress_points(get(service, "status", "loadBalancer"))
        if external:
            return ",".join([*filter(None, load_balancer.split(",")), *external])
        return load_balancer or "<pending>"
    if service_type == "ExternalName":
        return spec.get("externalName", "")
    return UNKNOWN


def _service_ports(service: Object, now: datetime) -> str:
    pieces = []
    for port in get(service, "spec", "ports") or ():
        protocol = port.get("protocol", "TCP")
        node_port = port.get("nodePort") or 0
        pieces.append(
            f"{port.get('port')}:{node_port}/{protocol}" if node_port > 0 else f"{port.get('port')}/{protocol}"
        )
    return ",".join(pieces) or NONE


def _ingress_hosts(ingress: Object, now: datetime) -> str:
    rules = get(ingress, "spec", "rules") or []
    limit = 3
    hosts: list[str] = []
    more = False
    # As formatHosts: rules without a host are skipped, and "more" starts once three hosts are shown.
    for rule in rules:
        more = more or len(hosts) == limit
        if not more and rule.get("host"):
            hosts.append(rule["host"])
    if not hosts:
        return "*"
    text = ",".join(hosts)
    return f"{text} + {len(rules) - limit} more..." if more else text


def _ingress_ports(ingress: Object, now: datetime) -> str:
    return "80, 443" if get(ingress, "spec", "tls") else "80"


def _ingress_address(ingress: Object, now: datetime) -> str:
    return _ingress_points(get(ingress, "status", "loadBalancer"))


def _ingress_class_parameters(ingress_class: Object, now: datetime) -> str:
    parameters = get(ingress_class, "spec", "parameters")
    if parameters is None:
        return NONE
    kind = parameters.get("kind", "")
    if parameters.get("apiGroup") is not None:
        kind += "." + parameters["apiGroup"]
    return f"{kind}/{parameters.get('name', '')}"


def _endpoints(endpoints: Object, now: datetime) -> str:
    """formatEndpoints: up to three ``ip:port`` of every subset."""
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return NONE
    shown: list[str] = []
    total = 0
    for subset in subsets:
        addresses = [address.get("ip", "") for address in subset.get("addresses") or ()]
        ports = subset.get("ports") or []
        # A headless service may have no ports: its addresses alone count.
        pairs = (
            [(ip, None) for ip in addresses] if not ports else [(ip, p.get("port")) for p in ports for ip in addresses]
        )
        total += len(pairs)
        shown.extend(ip if port is None else _join_host_port(ip, port) for ip, port in pairs[: 3 - len(shown)])
    text = ",".join(shown)
    return f"{text} + {total - 3} more..." if total > 3 else text


def _slice_ports(endpoint_slice: Object, now: datetime) -> str:
    ports = endpoint_slice.get("ports") or []
    shown = [
        str(p["port"]) if p.get("port") is not None else p["name"] if p.get("name") is not None else "*"
        for p in ports[:3]
    ]
    return _list_with_more(shown, len(ports), 3)


def _slice_endpoints(endpoint_slice: Object, now: datetime) -> str:
    addresses = [a for endpoint in endpoint_slice.get("endpoints") or () for a in endpoint.get("addresses") or ()]
    return _list_with_more(addresses, len(addresses), 3)


def _service_cidrs(service_cidr: Object, now: datetime) -> str:
    return ",".join(get(service_cidr, "spec", "cidrs") or ())


def _ip_address_parent(address: Object, now: datetime) -> str:
    parent = get(address, "spec", "parentRef")
    if parent is None:
        return NONE
    resource = parent.get("resource", "")
    text = (f"{resource}.{parent['group']}" if parent.get("group") else resource).lower()
    if parent.get("namespace"):
        text += "/" + parent["namespace"]
    return f"{text}/{parent.get('name', '')}"


# -- nodes, storage ------------------------------------------------------------------------------------


def _node_status(node: Object, now: datetime) -> str:
    conditions = {c.get("type"): c for c in get(node, "status", "conditions") or ()}
    ready = conditions.get("Ready")
    status = ["Unknown"] if ready is None else ["Ready" if ready.get("status") == "True" else "NotReady"]
    if get(node, "spec", "unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def _node_roles(node: Object, now: datetime) -> str:
    """findNodeRoles: ``node-role.kubernetes.io/<role>`` labels and the ``kubernetes.io/role`` label."""
    roles = set()
    for key, value in (get(node, "metadata", "labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key.removeprefix("node-role.kubernetes.io/"):
            roles.add(key.removeprefix("node-role.kubernetes.io/"))
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return ",".join(sorted(roles)) or NONE


def _node_address(address_type: str) -> Cell:
    def cell(node: Object, now: datetime) -> str:
        for address in get(node, "status", "addresses") or ():
            if address.get("type") == address_type:
                return str(address.get("address", ""))
        return NONE

    return cell


_ACCESS_MODES = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)


def _access_modes(modes: Iterable[str] | None) -> str:
    """helper.GetAccessModesAsString: abbreviations in a fixed order."""
    present = set(modes or ())
    return ",".join(short for mode, short in _ACCESS_MODES if mode in present)


def _storage_class_of(obj: Object, now: datetime) -> str:
    """GetPersistentVolume(Claim)Class: the beta annotation wins over spec.storageClassName."""
    annotation = get(obj, "metadata", "annotations", "volume.beta.kubernetes.io/storage-class")
    return annotation if annotation is not None else get(obj, "spec", "storageClassName") or ""


def _volume_phase(obj: Object, now: datetime) -> str:
    # v1 defaulting stores phase Pending for new volumes and claims.
    return "Terminating" if get(obj, "metadata", "deletionTimestamp") else get(obj, "status", "phase") or "Pending"


def _pv_claim(volume: Object, now: datetime) -> str:
    claim = get(volume, "spec", "claimRef")
    return f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else ""


def _pv_access_modes(volume: Object, now: datetime) -> str:
    return _access_modes(get(volume, "spec", "accessModes"))


def _pvc_capacity(claim: Object, now: datetime) -> str:
    # A claim shows capacity and access modes only once bound to a volume.
    return str(get(claim, "status", "capacity", "storage") or "0") if get(claim, "spec", "volumeName") else ""


def _pvc_access_modes(claim: Object, now: datetime) -> str:
    return _access_modes(get(claim, "status", "accessModes")) if get(claim, "spec", "volumeName") else ""


def _storage_class_name(storage_class: Object, now: datetime) -> str:
    annotations = get(storage_class, "metadata", "annotations") or {}
    default = any(
        annotations.get(key) == "true"
        for key in ("storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class")
    )
    return _name(storage_class, now) + (" (default)" if default else "")


def _csi_driver_token_requests(driver: Object, now: datetime) -> str:
    requests = get(driver, "spec", "tokenRequests")
    return UNSET if requests is None else ",".join(r.get("audience", "") for r in requests)


def _csi_driver_modes(driver: Object, now: datetime) -> str:
    return ",".join(get(driver, "spec", "volumeLifecycleModes") or ()) or NONE


def _config_map_data(config_map: Object, now: datetime) -> int:
    return len(config_map.get("data") or ()) + len(config_map.get("binaryData") or ())


def _secret_data(secret: Object, now: datetime) -> int:
    # stringData is merged into data on the way in, so a key in either counts once.
    return len({*(secret.get("data") or {}), *(secret.get("stringData") or {})})


# -- quota, autoscaling, scheduling -------------------------------------------------------------------


def _quota_usage(limits: bool) -> Cell:
    """printResourceQuota: ``resource: used/hard`` of the request (or ``limits.*``) resources."""

    def cell(quota: Object, now: datetime) -> str:
        hard = get(quota, "status", "hard") or {}
        used = get(quota, "status", "used") or {}
        pieces = [
            f"{name}: {_quantity_text(used.get(name, '0'))}/{_quantity_text(hard[name])}"
            for name in sorted(hard)
            if (name.split(".")[0] == "limits" and "." in name) == limits
        ]
        return ", ".join(pieces)

    return cell


def _internal_hpa(hpa: Object) -> Object:
    """autoscaling/v1 and v2 as the internal type: metrics, with v2 defaulting's CPU 80% target."""
    spec = dict(hpa.get("spec") or {})
    status = dict(hpa.get("status") or {})
    if not spec.get("metrics"):
        utilization = spec.get("targetCPUUtilizationPercentage", 80)
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": utilization}},
            }
        ]
    if "currentMetrics" not in status and "currentCPUUtilizationPercentage" in status:
        current = {"averageUtilization": status["currentCPUUtilizationPercentage"]}
        status["currentMetrics"] = [{"type": "Resource", "resource": {"name": "cpu", "current": current}}]
    return {**hpa, "spec": spec, "status": status}


_METRIC_SOURCES = {
    "External": "external",
    "Pods": "pods",
    "Object": "object",
    "Resource": "resource",
    "ContainerResource": "containerResource",
}


def _metric_text(spec: Mapping[str, Any], status: Mapping[str, Any] | None) -> str:
    """One entry of formatHPAMetrics: ``current/target`` of a metric, ``<unknown>`` until reported."""
    source = _METRIC_SOURCES.get(spec.get("type", ""))
    if source is None:
        return "<unknown type>"
    target = get(spec, source, "target") or {}
    reported = get(status, source) is not None
    current = get(status, source, "current") or {}
    if source == "pods":
        value = _quantity_text(current.get("averageValue")) if reported else UNKNOWN
        return f"{value}/{_quantity_text(target.get('averageValue'))}"
    if source in ("external", "object"):
        if target.get("averageValue") is not None:
            value = _quantity_text(current["averageValue"]) if current.get("averageValue") is not None else UNKNOWN
            return f"{value}/{_quantity_text(target['averageValue'])} (avg)"
        value = _quantity_text(current.get("value")) if reported else UNKNOWN
        return f"{value}/{_quantity_text(target.get('value'))}"
    name = get(spec, source, "name") or ""
    if target.get("averageValue") is not None:
        value = _quantity_text(current.get("averageValue")) if reported else UNKNOWN
        return f"{name}: {value}/{_quantity_text(target['averageValue'])}"
    value = f"{current['averageUtilization']}%" if current.get("averageUtilization") is not None else UNKNOWN
    wanted = f"{target['averageUtilization']}%" if target.get("averageUtilization") is not None else "<auto>"
    return f"{name}: {value}/{wanted}"


def _hpa_targets(hpa: Object, now: datetime) -> str:
    """formatHPAMetrics: the first two metrics as ``current/target``, then ``+ N more...``."""
    specs = get(hpa, "spec", "metrics") or []
    if not specs:
        return NONE
    statuses = get(hpa, "status", "currentMetrics") or []
    shown = [_metric_text(spec, statuses[i] if i < len(statuses) else None) for i, spec in enumerate(specs[:2])]
    text = ", ".join(shown)
    return f"{text} + {len(specs) - 2} more..." if len(specs) > 2 else text


def _hpa_reference(hpa: Object, now: datetime) -> str:
    return f"{get(hpa, 'spec', 'scaleTargetRef', 'kind') or ''}/{get(hpa, 'spec', 'scaleTargetRef', 'name') or ''}"


def _hpa_min_pods(hpa: Object, now: datetime) -> str:
    # v2 defaulting stores minReplicas 1.
    minimum = get(hpa, "spec", "minReplicas")
    return str(1 if minimum is None else minimum)


def _flow_schema_missing_pl(flow_schema: Object, now: datetime) -> str:
    for condition in get(flow_schema, "status", "conditions") or ():
        if condition.get("type") == "Dangling":
            return str(condition.get("status", ""))
    return "?"


def _limited_setting(struct: tuple[str, ...], key: str, default: int) -> Cell:
    """A setting of a Limited priority level, ``<none>`` where its struct is absent (Exempt, or no queuing)."""

    def cell(level: Object, now: datetime) -> Any:
        source = get(level, "spec", "limited", *struct)
        if source is None:
            return NONE
        # v1 defaulting fills the settings in when the enclosing struct is present.
        value = source.get(key)
        return default if value is None else value

    return cell


# -- RBAC, certificates, admission, events ---------------------------------------------------------------


def _role_ref(binding: Object, now: datetime) -> str:
    return f"{get(binding, 'roleRef', 'kind') or ''}/{get(binding, 'roleRef', 'name') or ''}"


def _subjects(kind: str) -> Cell:
    """rbac.SubjectsStrings: users and groups by name, service accounts as ``namespace/name``."""

    def cell(binding: Object, now: datetime) -> str:
        names = [
            f"{s.get('namespace', '')}/{s.get('name', '')}" if kind == "ServiceAccount" else s.get("name", "")
            for s in binding.get("subjects") or ()
            if s.get("kind") == kind
        ]
        return ", ".join(names)

    return cell


def _csr_duration(csr: Object, now: datetime) -> str:
    seconds = get(csr, "spec", "expirationSeconds")
    return NONE if seconds is None else human_duration(timedelta(seconds=seconds))


def _csr_condition(csr: Object, now: datetime) -> str:
    """extractCSRStatus: Denied over Approved over Pending, then Failed and Issued."""
    types = {c.get("type") for c in get(csr, "status", "conditions") or ()}
    status = "Denied" if "Denied" in types else "Approved" if "Approved" in types else "Pending"
    if "Failed" in types:
        status += ",Failed"
    if get(csr, "status", "certificate"):
        status += ",Issued"
    return status


def _apiservice_service(apiservice: Object, now: datetime) -> str:
    """kube-aggregator etcd.go ConvertToTable: "Local" or the Service's namespace/name."""
    service = get(apiservice, "spec", "service")
    return "Local" if service is None else f"{service.get('namespace', '')}/{service.get('name', '')}"


def _apiservice_available(apiservice: Object, now: datetime) -> str:
    """The Available condition: True, "False (Reason)", or Unknown when there is none."""
    for condition in get(apiservice, "status", "conditions") or ():
        if condition.get("type") == "Available":
            status = str(condition.get("status", ""))
            reason = condition.get("reason")
            return status if status == "True" or not reason else f"{status} ({reason})"
    return "Unknown"


def _pod_certificate_state(request: Object, now: datetime) -> str:
    state = "Pending"
    for condition in get(request, "status", "conditions") or ():
        if condition.get("type") in ("Issued", "Denied", "Failed"):
            state = condition["type"]
    return state


def _param_kind(policy: Object, now: datetime) -> str:
    kind = get(policy, "spec", "paramKind")
    return UNSET if kind is None else f"{kind.get('apiVersion', '')}/{kind.get('kind', '')}"


def _go_label_selector(selector: Mapping[str, Any]) -> str:
    """The generated String() of a metav1.LabelSelector, which upstream prints for a ParamRef selector."""
    labels = selector.get("matchLabels") or {}
    label_text = "".join(f"{key}: {labels[key]}," for key in sorted(labels))
    expressions = "".join(
        f"LabelSelectorRequirement{{Key:{e.get('key', '')},Operator:{e.get('operator', '')},"
        f"Values:[{' '.join(e.get('values') or ())}],}},"
        for e in selector.get("matchExpressions") or ()
    )
    return (
        f"&LabelSelector{{MatchLabels:map[string]string{{{label_text}}},"
        f"MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},}}"
    )


def _param_ref(binding: Object, now: datetime) -> str:
    ref = get(binding, "spec", "paramRef")
    if ref is None:
        return UNSET
    if ref.get("name"):
        # Whether the param is cluster-scoped is unknown here, so a missing namespace shows as *.
        return f"{ref.get('namespace') or '*'}/{ref['name']}"
    if ref.get("selector") is not None:
        return _go_label_selector(ref["selector"])
    return UNSET


def _event_first_seen(event: Object, now: datetime) -> str:
    first = event.get("firstTimestamp")
    return since(first, now) if first else since(event.get("eventTime"), now)


def _event_last_seen(event: Object, now: datetime) -> str:
    if event.get("series") is not None:
        return since(get(event, "series", "lastObservedTime"), now)
    last = event.get("lastTimestamp")
    return since(last, now) if last else _event_first_seen(event, now)


def _event_count(event: Object, now: datetime) -> int:
    if event.get("series") is not None:
        return int(get(event, "series", "count") or 0)
    # Singleton events of the events.k8s.io API carry no count.
    return int(event.get("count") or 1)


def _event_object(event: Object, now: datetime) -> str:
    kind = (get(event, "involvedObject", "kind") or "").lower()
    name = get(event, "involvedObject", "name")
    return f"{kind}/{name}" if name else kind


def _event_source(event: Object, now: datetime) -> str:
    """formatEventSource: component (or reporting controller), then host (or reporting instance)."""
    component = get(event, "source", "component") or event.get("reportingComponent") or ""
    host = get(event, "source", "host") or event.get("reportingInstance") or ""
    return f"{component}, {host}" if host else component


def _event_message(event: Object, now: datetime) -> str:
    return (event.get("message") or "").strip()


def _component_condition(key: str) -> Cell:
    """printComponentStatus: the Healthy condition as Healthy/Unhealthy/Unknown, its message or error."""

    def cell(component: Object, now: datetime) -> str:
        for condition in component.get("conditions") or ():
            if condition.get("type") == "Healthy":
                if key == "status":
                    return "Healthy" if condition.get("status") == "True" else "Unhealthy"
                return str(condition.get(key, ""))
        return "Unknown" if key == "status" else ""

    return cell


# -- the column tables ----------------------------------------------------------------------------------

_HPA = "autoscaling.v2.HorizontalPodAutoscaler"
_QUEUING = ("limitResponse", "queuing")
_PARAM_KIND_DOC = "ParamKind specifies the kind of resources used to parameterize this policy"


def _binding_columns(what: str) -> tuple[Column, ...]:
    """RoleBinding and ClusterRoleBinding: the same columns, described with the kind's name."""
    return (
        NAME,
        Column("Role", _role_ref, _api(f"rbac.v1.{what[0].upper()}{what[1:]}.roleRef")),
        AGE,
        Column("Users", _subjects("User"), f"Users in the {what}", priority=1),
        Column("Groups", _subjects("Group"), f"Groups in the {what}", priority=1),
        Column("ServiceAccounts", _subjects("ServiceAccount"), f"ServiceAccounts in the {what}", priority=1),
    )


_WEBHOOK_COLUMNS = (
    NAME,
    Column(
        "Webhooks",
        length("webhooks"),
        "Webhooks indicates the number of webhooks registered in this configuration",
        "integer",
    ),
    AGE,
)
_POLICY_BINDING_COLUMNS = (
    NAME,
    Column(
        "PolicyName",
        field("spec", "policyName"),
        "PolicyName indicates the policy definition which the policy binding binded to",
    ),
    Column("ParamRef", _param_ref, "ParamRef indicates the param resource which sets the configration param"),
    AGE,
)
_EVENT_COLUMNS = (
    Column("Last Seen", _event_last_seen, _api("core.v1.Event.lastTimestamp")),
    Column("Type", field("type"), _api("core.v1.Event.type")),
    Column("Reason", field("reason"), _api("core.v1.Event.reason")),
    Column("Object", _event_object, _api("core.v1.Event.involvedObject")),
    Column("Subobject", field("involvedObject", "fieldPath"), _api("core.v1.ObjectReference.fieldPath"), priority=1),
    Column("Source", _event_source, _api("core.v1.Event.source"), priority=1),
    Column("Message", _event_message, _api("core.v1.Event.message")),
    Column("First Seen", _event_first_seen, _api("core.v1.Event.firstTimestamp"), priority=1),
    Column("Count", _event_count, _api("core.v1.Event.count"), priority=1),
    Column("Name", _name, META_NAME, format="name", priority=1),
)

_PRINTERS: dict[GroupKind, Printer] = {
    GroupKind("", "Pod"): Printer(
        (
            NAME,
            Column("Ready", _pod_ready, "The aggregate readiness state of this pod for accepting traffic."),
            Column("Status", _pod_status, "The aggregate status of the containers in this pod."),
            Column(
                "Restarts",
                _pod_restarts,
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            AGE,
            Column("IP", _pod_ip, _api("core.v1.PodStatus.podIP"), priority=1),
            Column("Node", non_empty("spec", "nodeName"), _api("core.v1.PodSpec.nodeName"), priority=1),
            Column(
                "Nominated Node",
                non_empty("status", "nominatedNodeName"),
                _api("core.v1.PodStatus.nominatedNodeName"),
                priority=1,
            ),
            Column("Readiness Gates", _pod_readiness_gates, _api("core.v1.PodSpec.readinessGates"), priority=1),
        ),
        conditions=_pod_conditions,
    ),
    GroupKind("", "PodTemplate"): Printer(
        (
            NAME,
            Column("Containers", _containers("template", "spec"), _CONTAINERS_DOC),
            Column("Images", _images("template", "spec"), _IMAGES_DOC),
            Column("Pod Labels", _labels_of("template", "metadata", "labels"), "The labels for the pod template."),
        )
    ),
    GroupKind("policy", "PodDisruptionBudget"): Printer(
        (
            NAME,
            Column("Min Available", _pdb_bound("minAvailable"), "The minimum number of pods that must be available."),
            Column(
                "Max Unavailable", _pdb_bound("maxUnavailable"), "The maximum number of pods that may be unavailable."
            ),
            Column(
                "Allowed Disruptions",
                field("status", "disruptionsAllowed", default=0),
                "Calculated number of pods that may be disrupted at this time.",
                "integer",
            ),
            AGE,
        )
    ),
    GroupKind("", "ReplicationController"): Printer(
        (
            NAME,
            Column("Desired", _desired_replicas, _api("core.v1.ReplicationControllerSpec.replicas"), "integer"),
            Column(
                "Current",
                field("status", "replicas", default=0),
                _api("core.v1.ReplicationControllerStatus.replicas"),
                "integer",
            ),
            Column(
                "Ready",
                field("status", "readyReplicas", default=0),
                _api("core.v1.ReplicationControllerStatus.readyReplicas"),
                "integer",
            ),
            AGE,
            *_template_columns(
                *_TEMPLATE,
                selector=Column(
                    "Selector",
                    _labels_of("spec", "selector"),
                    _api("core.v1.ReplicationControllerSpec.selector"),
                    priority=1,
                ),
            ),
        )
    ),
    GroupKind("apps", "ReplicaSet"): Printer(
        (
            NAME,
            Column("Desired", _desired_replicas, _api("apps.v1.ReplicaSetSpec.replicas"), "integer"),
            Column(
                "Current", field("status", "replicas", default=0), _api("apps.v1.ReplicaSetStatus.replicas"), "integer"
            ),
            Column(
                "Ready",
                field("status", "readyReplicas", default=0),
                _api("apps.v1.ReplicaSetStatus.readyReplicas"),
                "integer",
            ),
            AGE,
            *_template_columns(
                *_TEMPLATE,
                selector=Column(
                    "Selector", _selector_of("spec", "selector"), _api("apps.v1.ReplicaSetSpec.selector"), priority=1
                ),
            ),
        )
    ),
    GroupKind("apps", "DaemonSet"): Printer(
        (
            NAME,
            *(
                Column(title, field("status", key, default=0), _api(f"apps.v1.DaemonSetStatus.{key}"), "integer")
                for title, key in (
                    ("Desired", "desiredNumberScheduled"),
                    ("Current", "currentNumberScheduled"),
                    ("Ready", "numberReady"),
                    ("Up-to-date", "updatedNumberScheduled"),
                    ("Available", "numberAvailable"),
                )
            ),
            Column("Node Selector", _labels_of(*_TEMPLATE, "nodeSelector"), _api("core.v1.PodSpec.nodeSelector")),
            AGE,
            *_template_columns(
                *_TEMPLATE,
                selector=Column(
                    "Selector", _selector_of("spec", "selector"), _api("apps.v1.DaemonSetSpec.selector"), priority=1
                ),
            ),
        )
    ),
    GroupKind("batch", "Job"): Printer(
        (
            NAME,
            Column("Status", _job_status, "Status of the job."),
            Column("Completions", _job_completions, _api("batch.v1.JobStatus.succeeded")),
            Column("Duration", _job_duration, "Time required to complete the job."),
            AGE,
            *_template_columns(
                *_TEMPLATE,
                selector=Column(
                    "Selector", _selector_of("spec", "selector"), _api("batch.v1.JobSpec.selector"), priority=1
                ),
            ),
        )
    ),
    GroupKind("batch", "CronJob"): Printer(
        (
            NAME,
            Column("Schedule", field("spec", "schedule"), _api("batch.v1.CronJobSpec.schedule")),
            Column("Timezone", field("spec", "timeZone", default=NONE), _api("batch.v1.CronJobSpec.timeZone")),
            Column("Suspend", _cronjob_suspend, _api("batch.v1.CronJobSpec.suspend"), "boolean"),
            Column("Active", length("status", "active"), _api("batch.v1.CronJobStatus.active"), "integer"),
            Column("Last Schedule", _cronjob_last_schedule, _api("batch.v1.CronJobStatus.lastScheduleTime")),
            AGE,
            *_template_columns(
                "spec",
                "jobTemplate",
                *_TEMPLATE,
                selector=Column(
                    "Selector",
                    _selector_of("spec", "jobTemplate", "spec", "selector"),
                    _api("batch.v1.JobSpec.selector"),
                    priority=1,
                ),
            ),
        )
    ),
    GroupKind("", "Service"): Printer(
        (
            NAME,
            Column("Type", field("spec", "type", default="ClusterIP"), _api("core.v1.ServiceSpec.type")),
            Column("Cluster-IP", field("spec", "clusterIPs", 0, default=NONE), _api("core.v1.ServiceSpec.clusterIP")),
            Column("External-IP", _service_external_ip, _api("core.v1.ServiceSpec.externalIPs")),
            Column("Port(s)", _service_ports, _api("core.v1.ServiceSpec.ports")),
            AGE,
            Column("Selector", _labels_of("spec", "selector"), _api("core.v1.ServiceSpec.selector"), priority=1),
        )
    ),
    GroupKind("networking.k8s.io", "Ingress"): Printer(
        (
            NAME,
            Column(
                "Class",
                non_empty("spec", "ingressClassName"),
                "The name of the IngressClass resource that should be used for additional configuration",
            ),
            Column("Hosts", _ingress_hosts, "Hosts that incoming requests are matched against before the ingress rule"),
            Column("Address", _ingress_address, "Address is a list containing ingress points for the load-balancer"),
            Column("Ports", _ingress_ports, "Ports of TLS configurations that open"),
            AGE,
        )
    ),
    GroupKind("networking.k8s.io", "IngressClass"): Printer(
        (
            NAME,
            Column("Controller", field("spec", "controller"), "Controller that is responsible for handling this class"),
            Column("Parameters", _ingress_class_parameters, "A reference to a resource with additional parameters"),
            AGE,
        )
    ),
    GroupKind("apps", "StatefulSet"): Printer(
        (
            NAME,
            Column("Ready", _replicas_ready, "Number of the pod with ready state"),
            AGE,
            *_template_columns(*_TEMPLATE),
        )
    ),
    GroupKind("", "Endpoints"): Printer(
        (NAME, Column("Endpoints", _endpoints, _api("core.v1.Endpoints.subsets")), AGE)
    ),
    GroupKind("", "Node"): Printer(
        (
            NAME,
            Column("Status", _node_status, "The status of the node"),
            Column("Roles", _node_roles, "The roles of the node"),
            AGE,
            Column(
                "Version", field("status", "nodeInfo", "kubeletVersion"), _api("core.v1.NodeSystemInfo.kubeletVersion")
            ),
            Column("Internal-IP", _node_address("InternalIP"), _api("core.v1.NodeStatus.addresses"), priority=1),
            Column("External-IP", _node_address("ExternalIP"), _api("core.v1.NodeStatus.addresses"), priority=1),
            *(
                Column(
                    title,
                    non_empty("status", "nodeInfo", key, default=UNKNOWN),
                    _api(f"core.v1.NodeSystemInfo.{key}"),
                    priority=1,
                )
                for title, key in (
                    ("OS-Image", "osImage"),
                    ("Kernel-Version", "kernelVersion"),
                    ("Container-Runtime", "containerRuntimeVersion"),
                )
            ),
        )
    ),
    GroupKind("", "Event"): Printer(_EVENT_COLUMNS),
    GroupKind("events.k8s.io", "Event"): Printer(_EVENT_COLUMNS, to_internal=events_v1_to_core),
    GroupKind("", "Namespace"): Printer(
        (NAME, Column("Status", field("status", "phase"), "The status of the namespace"), AGE)
    ),
    GroupKind("", "Secret"): Printer(
        (
            NAME,
            Column("Type", field("type"), _api("core.v1.Secret.type")),
            Column("Data", _secret_data, _api("core.v1.Secret.data")),
            AGE,
        )
    ),
    GroupKind("", "ServiceAccount"): Printer((NAME, AGE)),
    GroupKind("", "PersistentVolume"): Printer(
        (
            NAME,
            Column(
                "Capacity",
                quantity("spec", "capacity", "storage", default="0"),
                _api("core.v1.PersistentVolumeSpec.capacity"),
            ),
            Column("Access Modes", _pv_access_modes, _api("core.v1.PersistentVolumeSpec.accessModes")),
            Column(
                "Reclaim Policy",
                field("spec", "persistentVolumeReclaimPolicy", default="Retain"),
                _api("core.v1.PersistentVolumeSpec.persistentVolumeReclaimPolicy"),
            ),
            Column("Status", _volume_phase, _api("core.v1.PersistentVolumeStatus.phase")),
            Column("Claim", _pv_claim, _api("core.v1.PersistentVolumeSpec.claimRef")),
            Column("StorageClass", _storage_class_of, "StorageClass of the pv"),
            Column(
                "VolumeAttributesClass",
                field("spec", "volumeAttributesClassName", default=UNSET),
                "VolumeAttributesClass of the pv",
            ),
            Column("Reason", field("status", "reason"), _api("core.v1.PersistentVolumeStatus.reason")),
            AGE,
            Column(
                "VolumeMode",
                field("spec", "volumeMode", default="Filesystem"),
                _api("core.v1.PersistentVolumeSpec.volumeMode"),
                priority=1,
            ),
        )
    ),
    GroupKind("", "PersistentVolumeClaim"): Printer(
        (
            NAME,
            Column("Status", _volume_phase, _api("core.v1.PersistentVolumeClaimStatus.phase")),
            Column("Volume", field("spec", "volumeName"), _api("core.v1.PersistentVolumeClaimSpec.volumeName")),
            Column("Capacity", _pvc_capacity, _api("core.v1.PersistentVolumeClaimStatus.capacity")),
            Column("Access Modes", _pvc_access_modes, _api("core.v1.PersistentVolumeClaimStatus.accessModes")),
            Column("StorageClass", _storage_class_of, "StorageClass of the pvc"),
            Column(
                "VolumeAttributesClass",
                field("spec", "volumeAttributesClassName", default=UNSET),
                "VolumeAttributesClass of the pvc",
            ),
            AGE,
            Column(
                "VolumeMode",
                field("spec", "volumeMode", default="Filesystem"),
                _api("core.v1.PersistentVolumeClaimSpec.volumeMode"),
                priority=1,
            ),
        )
    ),
    GroupKind("", "ComponentStatus"): Printer(
        (
            NAME,
            Column("Status", _component_condition("status"), "Status of the component conditions"),
            Column("Message", _component_condition("message"), "Message of the component conditions"),
            Column("Error", _component_condition("error"), "Error of the component conditions"),
        )
    ),
    GroupKind("apps", "Deployment"): Printer(
        (
            NAME,
            Column("Ready", _replicas_ready, "Number of the pod with ready state"),
            Column(
                "Up-to-date",
                field("status", "updatedReplicas", default=0),
                _api("apps.v1.DeploymentStatus.updatedReplicas"),
            ),
            Column(
                "Available",
                field("status", "availableReplicas", default=0),
                _api("apps.v1.DeploymentStatus.availableReplicas"),
            ),
            AGE,
            *_template_columns(
                *_TEMPLATE,
                selector=Column("Selector", _deployment_selector, _api("apps.v1.DeploymentSpec.selector"), priority=1),
            ),
        )
    ),
    GroupKind("autoscaling", "HorizontalPodAutoscaler"): Printer(
        (
            NAME,
            Column("Reference", _hpa_reference, _api(f"{_HPA}Spec.scaleTargetRef")),
            Column("Targets", _hpa_targets, _api(f"{_HPA}Spec.metrics")),
            Column("MinPods", _hpa_min_pods, _api(f"{_HPA}Spec.minReplicas")),
            Column("MaxPods", field("spec", "maxReplicas", default=0), _api(f"{_HPA}Spec.maxReplicas")),
            Column("Replicas", field("status", "currentReplicas", default=0), _api(f"{_HPA}Status.currentReplicas")),
            AGE,
        ),
        to_internal=_internal_hpa,
    ),
    GroupKind("", "ConfigMap"): Printer((NAME, Column("Data", _config_map_data, _api("core.v1.ConfigMap.data")), AGE)),
    GroupKind("networking.k8s.io", "NetworkPolicy"): Printer(
        (
            NAME,
            Column(
                "Pod-Selector", _selector_of("spec", "podSelector"), _api("networking.v1.NetworkPolicySpec.podSelector")
            ),
            AGE,
        )
    ),
    GroupKind("rbac.authorization.k8s.io", "RoleBinding"): Printer(_binding_columns("roleBinding")),
    GroupKind("rbac.authorization.k8s.io", "ClusterRoleBinding"): Printer(_binding_columns("clusterRoleBinding")),
    # kube-aggregator pkg/registry/apiservice/etcd/etcd.go ConvertToTable.
    GroupKind("apiregistration.k8s.io", "APIService"): Printer(
        (
            NAME,
            Column("Service", _apiservice_service, "The reference to the service that hosts this API endpoint."),
            Column("Available", _apiservice_available, "Whether this service is available."),
            AGE,
        )
    ),
    GroupKind("certificates.k8s.io", "CertificateSigningRequest"): Printer(
        (
            NAME,
            AGE,
            Column(
                "SignerName",
                non_empty("spec", "signerName"),
                _api("certificates.v1.CertificateSigningRequestSpec.signerName"),
            ),
            Column(
                "Requestor", field("spec", "username"), _api("certificates.v1.CertificateSigningRequestSpec.request")
            ),
            Column(
                "RequestedDuration",
                _csr_duration,
                _api("certificates.v1.CertificateSigningRequestSpec.expirationSeconds"),
            ),
            Column("Condition", _csr_condition, _api("certificates.v1.CertificateSigningRequestStatus.conditions")),
        )
    ),
    GroupKind("certificates.k8s.io", "ClusterTrustBundle"): Printer(
        (
            NAME,
            Column(
                "SignerName", non_empty("spec", "signerName"), _api("certificates.v1.ClusterTrustBundleSpec.signerName")
            ),
        )
    ),
    GroupKind("certificates.k8s.io", "PodCertificateRequest"): Printer(
        (
            NAME,
            *(
                Column(title, field("spec", key), _api(f"certificates.v1.PodCertificateRequestSpec.{key}"))
                for title, key in (
                    ("PodName", "podName"),
                    ("ServiceAccountName", "serviceAccountName"),
                    ("NodeName", "nodeName"),
                    ("SignerName", "signerName"),
                )
            ),
            Column("State", _pod_certificate_state, "Is the request Pending, Issued, Denied, or Failed?"),
        )
    ),
    GroupKind("coordination.k8s.io", "Lease"): Printer(
        (NAME, Column("Holder", field("spec", "holderIdentity"), _api("coordination.v1.LeaseSpec.holderIdentity")), AGE)
    ),
    GroupKind("storage.k8s.io", "StorageClass"): Printer(
        (
            Column("Name", _storage_class_name, META_NAME, format="name"),
            Column("Provisioner", field("provisioner"), _api("storage.v1.StorageClass.provisioner")),
            Column(
                "ReclaimPolicy", field("reclaimPolicy", default="Delete"), _api("storage.v1.StorageClass.reclaimPolicy")
            ),
            Column(
                "VolumeBindingMode",
                field("volumeBindingMode", default="Immediate"),
                _api("storage.v1.StorageClass.volumeBindingMode"),
            ),
            Column(
                "AllowVolumeExpansion",
                field("allowVolumeExpansion", default=False),
                _api("storage.v1.StorageClass.allowVolumeExpansion"),
            ),
            AGE,
        )
    ),
    GroupKind("storage.k8s.io", "VolumeAttributesClass"): Printer(
        (NAME, Column("DriverName", field("driverName"), _api("storage.v1.VolumeAttributesClass.driverName")), AGE)
    ),
    GroupKind("apps", "ControllerRevision"): Printer(
        (
            NAME,
            Column("Controller", _controller_of, "Controller of the object"),
            Column("Revision", field("revision", default=0), _api("apps.v1.ControllerRevision.revision")),
            AGE,
        )
    ),
    GroupKind("", "ResourceQuota"): Printer(
        (
            NAME,
            Column(
                "Request",
                _quota_usage(limits=False),
                "Request represents a minimum amount of cpu/memory that a container may consume.",
            ),
            Column(
                "Limit",
                _quota_usage(limits=True),
                "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
            ),
            AGE,
        )
    ),
    GroupKind("scheduling.k8s.io", "PriorityClass"): Printer(
        (
            NAME,
            Column("Value", field("value", default=0), _api("scheduling.v1.PriorityClass.value"), "integer"),
            Column(
                "Global-Default",
                field("globalDefault", default=False),
                _api("scheduling.v1.PriorityClass.globalDefault"),
                "boolean",
            ),
            AGE,
            Column("PreemptionPolicy", field("preemptionPolicy"), _api("scheduling.v1.PriorityClass.preemptionPolicy")),
        )
    ),
    # Upstream describes Handler with an ObjectMeta field that does not exist: an empty text.
    GroupKind("node.k8s.io", "RuntimeClass"): Printer(
        (NAME, Column("Handler", field("handler"), Doc(_OBJECT_META, "handler")), AGE)
    ),
    GroupKind("storage.k8s.io", "VolumeAttachment"): Printer(
        (
            NAME,
            Column(
                "Attacher", field("spec", "attacher"), _api("storage.v1.VolumeAttachmentSpec.attacher"), format="name"
            ),
            Column(
                "PV",
                field("spec", "source", "persistentVolumeName"),
                _api("storage.v1.VolumeAttachmentSource.persistentVolumeName"),
            ),
            Column("Node", field("spec", "nodeName"), _api("storage.v1.VolumeAttachmentSpec.nodeName")),
            Column(
                "Attached",
                field("status", "attached", default=False),
                _api("storage.v1.VolumeAttachmentStatus.attached"),
                "boolean",
            ),
            AGE,
        )
    ),
    GroupKind("discovery.k8s.io", "EndpointSlice"): Printer(
        (
            NAME,
            Column("AddressType", field("addressType"), _api("discovery.v1.EndpointSlice.addressType")),
            Column("Ports", _slice_ports, _api("discovery.v1.EndpointSlice.ports")),
            Column("Endpoints", _slice_endpoints, _api("discovery.v1.EndpointSlice.endpoints")),
            AGE,
        )
    ),
    GroupKind("storage.k8s.io", "CSINode"): Printer(
        (
            NAME,
            Column(
                "Drivers",
                length("spec", "drivers"),
                "Drivers indicates the number of CSI drivers registered on the node",
                "integer",
            ),
            AGE,
        )
    ),
    GroupKind("storage.k8s.io", "CSIDriver"): Printer(
        (
            NAME,
            *(
                Column(title, field("spec", key, default=default), _api(f"storage.v1.CSIDriverSpec.{key}"), "boolean")
                for title, key, default in (
                    ("AttachRequired", "attachRequired", True),
                    ("PodInfoOnMount", "podInfoOnMount", False),
                    ("StorageCapacity", "storageCapacity", False),
                )
            ),
            Column("TokenRequests", _csi_driver_token_requests, _api("storage.v1.CSIDriverSpec.tokenRequests")),
            Column(
                "RequiresRepublish",
                field("spec", "requiresRepublish", default=False),
                _api("storage.v1.CSIDriverSpec.requiresRepublish"),
                "boolean",
            ),
            Column("Modes", _csi_driver_modes, _api("storage.v1.CSIDriverSpec.volumeLifecycleModes")),
            AGE,
        )
    ),
    GroupKind("storage.k8s.io", "CSIStorageCapacity"): Printer(
        (
            NAME,
            Column(
                "StorageClassName", field("storageClassName"), _api("storage.v1.CSIStorageCapacity.storageClassName")
            ),
            Column("Capacity", quantity("capacity", default=UNSET), _api("storage.v1.CSIStorageCapacity.capacity")),
        )
    ),
    GroupKind("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): Printer(_WEBHOOK_COLUMNS),
    GroupKind("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): Printer(_WEBHOOK_COLUMNS),
    GroupKind("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"): Printer(
        (
            NAME,
            Column(
                "Validations",
                length("spec", "validations"),
                "Validations indicates the number of validation rules defined in this configuration",
                "integer",
            ),
            Column("ParamKind", _param_kind, _PARAM_KIND_DOC),
            AGE,
        )
    ),
    GroupKind("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"): Printer(_POLICY_BINDING_COLUMNS),
    GroupKind("admissionregistration.k8s.io", "MutatingAdmissionPolicy"): Printer(
        (
            NAME,
            Column(
                "Mutations",
                length("spec", "mutations"),
                "Mutation indicates the number of mutations rules defined in this configuration",
                "integer",
            ),
            Column("ParamKind", _param_kind, _PARAM_KIND_DOC),
            AGE,
        )
    ),
    GroupKind("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"): Printer(_POLICY_BINDING_COLUMNS),
    GroupKind("flowcontrol.apiserver.k8s.io", "FlowSchema"): Printer(
        (
            NAME,
            Column(
                "PriorityLevel",
                field("spec", "priorityLevelConfiguration", "name"),
                _api("flowcontrol.v1.PriorityLevelConfigurationReference.name"),
            ),
            Column(
                "MatchingPrecedence",
                field("spec", "matchingPrecedence", default=1000),
                _api("flowcontrol.v1.FlowSchemaSpec.matchingPrecedence"),
            ),
            Column(
                "DistinguisherMethod",
                non_empty("spec", "distinguisherMethod", "type"),
                _api("flowcontrol.v1.FlowSchemaSpec.distinguisherMethod"),
            ),
            AGE,
            Column(
                "MissingPL", _flow_schema_missing_pl, "references a broken or non-existent PriorityLevelConfiguration"
            ),
        ),
        # FlowSchemaSequence: by matching precedence (v1 default 1000), then name.
        sort_key=lambda fs: (get(fs, "spec", "matchingPrecedence") or 1000, get(fs, "metadata", "name") or ""),
    ),
    GroupKind("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"): Printer(
        (
            NAME,
            Column("Type", field("spec", "type"), _api("flowcontrol.v1.PriorityLevelConfigurationSpec.type")),
            Column(
                "NominalConcurrencyShares",
                _limited_setting((), "nominalConcurrencyShares", 30),
                _api("flowcontrol.v1.LimitedPriorityLevelConfiguration.nominalConcurrencyShares"),
            ),
            *(
                Column(
                    title, _limited_setting(_QUEUING, key, default), _api(f"flowcontrol.v1.QueuingConfiguration.{key}")
                )
                for title, key, default in (
                    ("Queues", "queues", 64),
                    ("HandSize", "handSize", 8),
                    ("QueueLengthLimit", "queueLengthLimit", 50),
                )
            ),
            AGE,
        )
    ),
    GroupKind("autoscaling", "Scale"): Printer(
        (
            # Upstream gives this Name column no "name" format.
            Column("Name", _name, META_NAME),
            Column(
                "Desired", field("spec", "replicas", default=0), _api("autoscaling.v1.ScaleSpec.replicas"), "integer"
            ),
            Column(
                "Available",
                field("status", "replicas", default=0),
                _api("autoscaling.v1.ScaleStatus.replicas"),
                "integer",
            ),
            AGE,
        )
    ),
    GroupKind("networking.k8s.io", "ServiceCIDR"): Printer(
        (NAME, Column("CIDRs", _service_cidrs, _api("networking.v1.ServiceCIDRSpec.cidrs")), AGE)
    ),
    GroupKind("networking.k8s.io", "IPAddress"): Printer(
        (NAME, Column("ParentRef", _ip_address_parent, _api("networking.v1.IPAddressSpec.parentRef")))
    ),
}

BUILTIN_PRINTERS: Mapping[GroupKind, Printer] = MappingProxyType(_PRINTERS)
"""The printer of each built-in kind that has one upstream; other kinds get the default Name + Created At table."""
