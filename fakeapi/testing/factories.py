"""Builders of valid Kubernetes objects filled with realistic, seeded fake data.

``Factories(seed)`` makes namespaces, deployments, pods, services, ConfigMaps, Secrets and
custom resources; with the same seed it makes the same objects on every run, because every
value comes from one ``Faker`` instance seeded with ``seed_instance``. Each builder returns a
plain dict ready for ``server.seed()`` or any client; keyword ``overrides`` are merged into the
result as a JSON merge patch (RFC 7386), so ``deployment(spec={"replicas": 5})`` changes one
field and ``None`` removes one.

Custom resources are generated from a CustomResourceDefinition's ``openAPIV3Schema``: the
walk honours types, ``enum``, string ``format`` (the formats apiextensions-apiserver checks),
``pattern``, ``minLength``/``maxLength``, ``minimum``/``maximum`` (exclusive too),
``multipleOf``, ``minItems``/``maxItems``, ``required``, ``additionalProperties``,
``x-kubernetes-int-or-string``, ``x-kubernetes-embedded-resource`` and list types (``set``
and ``map`` items are unique). CEL rules (``x-kubernetes-validations``) are honoured by
trying again: a node whose value breaks one of its rules gets new values, up to a number of
attempts, so rules that random values meet often enough (``self.min <= self.max``,
``self.size() < 10``) hold; a rule they rarely meet (``self.startsWith('web-')``, a format
checked by a rule) fails with :class:`SchemaGenerationError` naming the rule: give that field
in ``overrides``. Transition rules (``oldSelf``) do not apply to a new object. ``oneOf``/
``anyOf``/``not`` constraints cannot be honoured in general and are not.

Faker is a test dependency; this module imports it, the rest of fakeapi does not.
"""

from __future__ import annotations

import base64
import math
import re
import string
from collections.abc import Callable, Mapping
from re import _parser as sre_parse  # type: ignore[attr-defined]  # the stdlib's own regex parser
from typing import Any

from faker import Faker

from fakeapi.apimachinery.mergepatch import apply_merge_patch
from fakeapi.apimachinery.validation import is_dns1123_label
from fakeapi.util import regexp

# Images a cluster really runs, so generated workloads read like real ones.
IMAGES = (
    "nginx:1.27",
    "redis:7.4",
    "postgres:16.4",
    "registry.k8s.io/pause:3.10",
    "busybox:1.36",
    "httpd:2.4",
    "memcached:1.6",
    "rabbitmq:3.13",
)
# Deeper than this, object schemas get only their required properties, so recursive-looking
# schemas (embedded objects of objects) stay small.
MAX_OPTIONAL_DEPTH = 6
# Upper bounds used when a schema leaves a size open.
DEFAULT_MAX_ITEMS = 3
DEFAULT_MAX_STRING = 24
DEFAULT_INTEGER_RANGE = (0, 100)
# A pattern with an unbounded repeat ("*", "+", "{n,}") repeats at most this many times more.
PATTERN_REPEAT_SLACK = 4
# How many candidates a constrained value (unique list items, pattern plus length) gets.
ATTEMPTS = 50
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # names.SimpleNameGenerator's, as generateName uses
_PRINTABLE = string.ascii_letters + string.digits + "-_."


class SchemaGenerationError(ValueError):
    """A schema asks for a value the generator cannot produce; pass that field as an override."""


class Factories:
    """Object builders over one seeded Faker instance.

    Args:
        seed: The seed of the fake data; ``None`` for different data on every run.
        locale: Faker's locale (its default when ``None``).
    """

    def __init__(self, seed: int | str | None = None, *, locale: str | None = None) -> None:
        self.faker = Faker(locale)
        # seed_instance, not Faker.seed: the class-level seed is shared by every Faker in the process.
        self.faker.seed_instance(seed)

    # -- names and small values ---------------------------------------------------------------

    def name(self, prefix: str | None = None) -> str:
        """A DNS-1123 label such as ``moon-wells-x7kq2`` (a word or ``prefix``, then a random suffix)."""
        base = _dns_label(prefix or self.faker.domain_word()) or "object"
        suffix = "".join(self.faker.random.choice(_NAME_ALPHABET) for _ in range(5))
        return f"{base[:57]}-{suffix}"

    def image(self) -> str:
        return self.faker.random.choice(IMAGES)

    def labels(self, app: str) -> dict[str, str]:
        """The recommended ``app.kubernetes.io`` labels of an application called ``app``."""
        return {
            "app.kubernetes.io/name": app,
            "app.kubernetes.io/part-of": _dns_label(self.faker.domain_word()) or "system",
            "app.kubernetes.io/version": self._version(),
        }

    def _version(self) -> str:
        random = self.faker.random
        return f"{random.randint(0, 3)}.{random.randint(0, 20)}.{random.randint(0, 9)}"

    def _container(self, name: str, image: str | None) -> dict[str, Any]:
        random = self.faker.random
        return {
            "name": name[:63],
            "image": image or self.image(),
            "ports": [{"name": "http", "containerPort": random.choice((80, 8080, 8000, 3000, 9090))}],
            "env": [{"name": "LOG_LEVEL", "value": random.choice(("debug", "info", "warn"))}],
            "resources": {
                "requests": {
                    "cpu": f"{random.choice((50, 100, 250, 500))}m",
                    "memory": f"{random.choice((64, 128, 256))}Mi",
                }
            },
        }

    # -- built-in kinds -----------------------------------------------------------------------

    def namespace(self, name: str | None = None, **overrides: Any) -> dict[str, Any]:
        """A Namespace with a team label."""
        name = name or self.name()
        obj = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": {"team": _dns_label(self.faker.last_name()) or "team"}},
        }
        return _merged(obj, overrides)

    def config_map(self, name: str | None = None, namespace: str = "default", **overrides: Any) -> dict[str, Any]:
        """A ConfigMap of a few settings."""
        faker = self.faker
        obj = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name or self.name(), "namespace": namespace},
            "data": {
                "LOG_LEVEL": faker.random.choice(("debug", "info", "warn")),
                "DATABASE_HOST": faker.hostname(),
                "FEATURE_FLAGS": ",".join(faker.words(3)),
            },
        }
        return _merged(obj, overrides)

    def secret(self, name: str | None = None, namespace: str = "default", **overrides: Any) -> dict[str, Any]:
        """An Opaque Secret with a username and password (base64 in ``data``, as the API stores it)."""
        faker = self.faker
        values = {"username": faker.user_name(), "password": faker.password(length=16)}
        obj = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name or self.name(), "namespace": namespace},
            "type": "Opaque",
            "data": {key: base64.b64encode(value.encode()).decode() for key, value in values.items()},
        }
        return _merged(obj, overrides)

    def pod(
        self, name: str | None = None, namespace: str = "default", *, image: str | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """A Pod of one container with a port, an environment variable and resource requests."""
        name = name or self.name()
        obj = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": self.labels(name)},
            "spec": {"containers": [self._container(_container_name(name), image)]},
        }
        return _merged(obj, overrides)

    def deployment(
        self,
        name: str | None = None,
        namespace: str = "default",
        *,
        replicas: int | None = None,
        image: str | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """A Deployment whose selector matches its pod template's labels."""
        name = name or self.name()
        labels = self.labels(name)
        selector = {"app.kubernetes.io/name": name}
        obj = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {
                "replicas": self.faker.random.randint(1, 5) if replicas is None else replicas,
                "selector": {"matchLabels": selector},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [self._container(_container_name(name), image)]},
                },
            },
        }
        return _merged(obj, overrides)

    def service(
        self,
        name: str | None = None,
        namespace: str = "default",
        *,
        selector: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """A ClusterIP Service on port 80 to a target port; it selects ``app.kubernetes.io/name: name``."""
        name = name or self.name()
        obj = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/name": name}},
            "spec": {
                "type": "ClusterIP",
                "selector": dict(selector or {"app.kubernetes.io/name": name}),
                "ports": [
                    {
                        "name": "http",
                        "port": 80,
                        "protocol": "TCP",
                        "targetPort": self.faker.random.choice((80, 8080, 8000, 3000)),
                    }
                ],
            },
        }
        return _merged(obj, overrides)

    # -- custom resources ---------------------------------------------------------------------

    def custom_resource(
        self,
        crd: Mapping[str, Any],
        name: str | None = None,
        namespace: str = "default",
        *,
        version: str | None = None,
        with_status: bool = False,
        **overrides: Any,
    ) -> dict[str, Any]:
        """An object of a CRD's kind whose fields are generated from the version's ``openAPIV3Schema``.

        Args:
            crd: The CustomResourceDefinition (apiextensions.k8s.io/v1) as a dict.
            name: The object's name (generated when ``None``).
            namespace: Its namespace, when the CRD is namespaced.
            version: The version to generate (the storage version when ``None``).
            with_status: Also generate ``status`` (written through the status subresource, when the
                CRD has one, so it is left out by default).
            overrides: Merged into the result as a JSON merge patch.

        Raises:
            SchemaGenerationError: The schema asks for something the generator cannot make (a pattern
                with look-arounds, contradictory bounds); give that field in ``overrides``.
        """
        spec = crd["spec"]
        versions = spec["versions"]
        wanted: Callable[[Mapping[str, Any]], bool] = (
            (lambda v: v["name"] == version) if version else (lambda v: bool(v.get("storage")))
        )
        chosen = next((v for v in versions if wanted(v)), None)
        if chosen is None:
            raise SchemaGenerationError(f"{crd['metadata']['name']} has no version {version!r}")
        schema = (chosen.get("schema") or {}).get("openAPIV3Schema") or {"type": "object"}
        generator = _SchemaGenerator(self.faker)
        body: dict[str, Any] = {}
        for key, prop in (schema.get("properties") or {}).items():
            if key in ("apiVersion", "kind", "metadata") or (key == "status" and not with_status):
                continue
            body[key] = generator.value(prop, key, 1, overrides.get(key, NOT_GIVEN))
        metadata: dict[str, Any] = {"name": name or self.name(spec["names"]["singular"])}
        if spec.get("scope", "Namespaced") == "Namespaced":
            metadata["namespace"] = namespace
        obj = {"apiVersion": f"{spec['group']}/{chosen['name']}", "kind": spec["names"]["kind"], "metadata": metadata}
        return _merged({**obj, **body}, overrides)


NOT_GIVEN: Any = object()  # a field the overrides do not mention


class _SchemaGenerator:
    """A walk of a structural schema that returns one valid value per node."""

    def __init__(self, faker: Faker) -> None:
        self.faker = faker
        self.random = faker.random

    def value(self, schema: Mapping[str, Any], field: str, depth: int, given: Any = NOT_GIVEN) -> Any:
        """A value for ``schema``; ``given`` is what the caller's overrides hold for it (merged in, not generated)."""
        if given is not NOT_GIVEN and not isinstance(given, Mapping):
            return given
        if not schema.get("x-kubernetes-validations"):
            return self._value(schema, field, depth, given)
        # Imported only for a schema with rules: it brings in the CEL runtime.
        from fakeapi.apiextensions.schema.cel.rulecheck import first_broken_rule

        broken = ""
        for _ in range(ATTEMPTS):
            candidate = self._value(schema, field, depth, given)
            broken = first_broken_rule(schema, candidate)
            if not broken:
                return candidate
        raise SchemaGenerationError(f"{field}: no value meeting the rule {broken!r} found; give it in overrides")

    def _value(self, schema: Mapping[str, Any], field: str, depth: int, given: Any) -> Any:
        if schema.get("enum"):
            return self.random.choice(list(schema["enum"]))
        if schema.get("x-kubernetes-int-or-string"):
            return self._integer(schema)
        kind = schema.get("type")
        if kind == "object" or (kind is None and ("properties" in schema or "additionalProperties" in schema)):
            made = self._object(schema, depth, given if isinstance(given, Mapping) else {})
            return apply_merge_patch(made, given) if isinstance(given, Mapping) else made
        if kind == "array":
            return self._array(schema, field, depth)
        if kind == "string":
            return self._string(schema, field)
        if kind == "integer":
            return self._integer(schema)
        if kind == "number":
            return self._number(schema)
        if kind == "boolean":
            return self.random.random() < 0.5
        # No type: x-kubernetes-preserve-unknown-fields without properties, any value is kept.
        return {}

    def _object(self, schema: Mapping[str, Any], depth: int, given: Mapping[str, Any]) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        result: dict[str, Any] = {}
        if schema.get("x-kubernetes-embedded-resource"):
            # An embedded object must carry apiVersion, kind and metadata.name to be valid.
            result.update({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": self._dns_name()}})
        for key, prop in properties.items():
            if key in result:
                continue
            if key in required or depth < MAX_OPTIONAL_DEPTH:
                result[key] = self.value(prop, key, depth + 1, given.get(key, NOT_GIVEN))
        additional = schema.get("additionalProperties")
        if isinstance(additional, Mapping) and not properties:
            low = int(schema.get("minProperties", 1))
            high = int(schema.get("maxProperties", max(low, 2)))
            for _ in range(self.random.randint(low, max(low, high))):
                key = _dns_label(self.faker.word()) or "key"
                result[key] = self.value(additional, key, depth + 1)
        return result

    def _array(self, schema: Mapping[str, Any], field: str, depth: int) -> list[Any]:
        low = int(schema.get("minItems", 1))
        high = int(schema.get("maxItems", max(low, DEFAULT_MAX_ITEMS)))
        if high < low:
            raise SchemaGenerationError(f"{field}: maxItems {high} < minItems {low}")
        count = self.random.randint(low, min(high, max(low, DEFAULT_MAX_ITEMS)))
        items_schema: Mapping[str, Any] = schema.get("items") or {}
        list_type = schema.get("x-kubernetes-list-type")
        map_keys = list(schema.get("x-kubernetes-list-map-keys") or ()) if list_type == "map" else []
        unique = bool(schema.get("uniqueItems")) or list_type == "set"
        item_field = field[:-1] if field.endswith("s") else field
        items: list[Any] = []
        seen: set[str] = set()
        for _ in range(count * ATTEMPTS):
            if len(items) == count:
                break
            item = self.value(items_schema, item_field, depth + 1)
            identity = repr([item.get(k) for k in map_keys]) if map_keys else repr(item) if unique else ""
            if (map_keys or unique) and identity in seen:
                continue
            seen.add(identity)
            items.append(item)
        if len(items) < low:
            raise SchemaGenerationError(f"{field}: cannot make {low} distinct items")
        return items

    def _string(self, schema: Mapping[str, Any], field: str) -> str:
        low = int(schema.get("minLength", 0))
        high = int(schema.get("maxLength", max(low, DEFAULT_MAX_STRING)))
        fmt = str(schema.get("format") or "").replace("-", "")
        pattern = schema.get("pattern")
        try:
            matches = regexp.compile(str(pattern)) if pattern else None
        except regexp.RegexpError as exc:  # the server refuses such a CRD too
            raise SchemaGenerationError(f"{field}: invalid pattern {pattern!r}: {exc}") from exc
        for _ in range(ATTEMPTS):
            if pattern:
                text = _RegexGenerator(self.random).generate(str(pattern))
            else:
                text = self._formatted(fmt) if fmt in _FORMATS else self._hinted(field)
                if not fmt or fmt not in _FORMATS:
                    text = self._fit(text, low, high)
            if low <= len(text) <= high and (matches is None or matches(text)):
                return text
        raise SchemaGenerationError(f"{field}: no string of length {low}..{high} matching {pattern or fmt!r} found")

    def _fit(self, text: str, low: int, high: int) -> str:
        while len(text) < low:
            text += self.random.choice(string.ascii_lowercase)
        return text[:high]

    def _formatted(self, fmt: str) -> str:
        return _FORMATS[fmt](self.faker)

    def _hinted(self, field: str) -> str:
        lowered = field.lower()
        for hint, make in _FIELD_HINTS:
            if hint in lowered:
                return make(self.faker)
        return str(self.faker.word())

    def _dns_name(self) -> str:
        return _dns_label(self.faker.domain_word()) or "object"

    def _integer(self, schema: Mapping[str, Any]) -> int:
        low, high = DEFAULT_INTEGER_RANGE
        if "minimum" in schema:
            low = int(schema["minimum"]) + (1 if schema.get("exclusiveMinimum") else 0)
            high = max(high, low + DEFAULT_INTEGER_RANGE[1])
        if "maximum" in schema:
            high = int(schema["maximum"]) - (1 if schema.get("exclusiveMaximum") else 0)
            if "minimum" not in schema:
                low = min(low, high - DEFAULT_INTEGER_RANGE[1])
        step = int(schema.get("multipleOf") or 1)
        first = -(-low // step) * step
        if first > high:
            raise SchemaGenerationError(f"no multiple of {step} in {low}..{high}")
        return first + step * self.random.randint(0, (high - first) // step)

    def _number(self, schema: Mapping[str, Any]) -> float:
        low = float(schema.get("minimum", DEFAULT_INTEGER_RANGE[0]))
        high = float(schema.get("maximum", max(low, 0) + DEFAULT_INTEGER_RANGE[1]))
        # multipleOf 1 when none is given: whole numbers, which bounds (exclusive or not) are easy to respect.
        step = float(schema.get("multipleOf") or 1)
        first, last = math.ceil(low / step), math.floor(high / step)
        if schema.get("exclusiveMinimum") and first * step == low:
            first += 1
        if schema.get("exclusiveMaximum") and last * step == high:
            last -= 1
        if first > last:
            raise SchemaGenerationError(f"no multiple of {step} between {low} and {high}")
        return round(step * self.random.randint(first, last), 10)


class _RegexGenerator:
    """A string that a regular expression matches, built from the pattern's parse tree.

    Look-arounds are not generated; the caller checks the result against the pattern.
    """

    def __init__(self, random: Any) -> None:
        self.random = random
        self.groups: dict[int, str] = {}

    def generate(self, pattern: str) -> str:
        try:
            tree = sre_parse.parse(pattern)
        except re.error as exc:
            raise SchemaGenerationError(f"invalid pattern {pattern!r}: {exc}") from exc
        return self._sequence(tree)

    def _sequence(self, items: Any) -> str:
        return "".join(self._item(op, arg) for op, arg in items)

    def _item(self, op: Any, arg: Any) -> str:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "NOT_LITERAL":
            return self.random.choice([c for c in _PRINTABLE if ord(c) != arg])
        if name == "ANY":
            return self.random.choice(string.ascii_lowercase)
        if name == "IN":
            return self._class(arg)
        if name == "BRANCH":
            return self._sequence(self.random.choice(arg[1]))
        if name == "SUBPATTERN":
            group, _, _, body = arg
            text = self._sequence(body)
            if group is not None:
                self.groups[group] = text
            return text
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, body = arg
            high = min(high, low + PATTERN_REPEAT_SLACK)
            return "".join(self._sequence(body) for _ in range(self.random.randint(low, high)))
        if name == "GROUPREF":
            return self.groups.get(arg, "")
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            return ""
        if name == "CATEGORY":
            return self._category(arg)
        raise SchemaGenerationError(f"cannot generate regular expression construct {name}")

    def _class(self, members: Any) -> str:
        negate = members and str(members[0][0]) == "NEGATE"
        chars: list[str] = []
        for op, arg in members[1:] if negate else members:
            name = str(op)
            if name == "LITERAL":
                chars.append(chr(arg))
            elif name == "RANGE":
                chars.extend(chr(c) for c in range(arg[0], min(arg[1], arg[0] + 256) + 1))
            elif name == "CATEGORY":
                chars.extend(_CATEGORY_CHARS.get(str(arg), ""))
        if negate:
            chars = [c for c in _PRINTABLE if c not in chars]
        if not chars:
            raise SchemaGenerationError("a character class that matches nothing printable")
        return str(self.random.choice(chars))

    def _category(self, category: Any) -> str:
        chars = _CATEGORY_CHARS.get(str(category))
        if not chars:
            raise SchemaGenerationError(f"cannot generate category {category}")
        return str(self.random.choice(chars))


_CATEGORY_CHARS = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_NOT_DIGIT": string.ascii_letters,
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": string.ascii_letters + string.digits,
    "CATEGORY_WORD": string.ascii_letters + string.digits + "_",
    "CATEGORY_NOT_WORD": "-.",
}

# Generators of the string formats apiextensions-apiserver validates (names without "-").
_FORMATS: dict[str, Callable[[Faker], str]] = {
    "bsonobjectid": lambda f: f.hexify("^" * 24),
    "uri": lambda f: f.url(),
    "email": lambda f: f.email(),
    "hostname": lambda f: f.hostname(),
    "ipv4": lambda f: f.ipv4(),
    "ipv6": lambda f: f.ipv6(),
    "cidr": lambda f: f.ipv4(network=True),
    "mac": lambda f: f.mac_address(),
    "uuid": lambda f: str(f.uuid4()),
    "uuid4": lambda f: str(f.uuid4()),
    "isbn": lambda f: f.isbn13(separator=""),
    "isbn10": lambda f: f.isbn10(separator=""),
    "isbn13": lambda f: f.isbn13(separator=""),
    "creditcard": lambda f: f.credit_card_number(card_type="visa16"),
    "ssn": lambda f: f.numerify("###-##-####"),
    "hexcolor": lambda f: f.hex_color(),
    "rgbcolor": lambda f: f"rgb({f.random_int(0, 255)},{f.random_int(0, 255)},{f.random_int(0, 255)})",
    "byte": lambda f: base64.b64encode(f.binary(length=12)).decode(),
    "password": lambda f: f.password(length=16),
    "date": lambda f: f.date(),
    "datetime": lambda f: f.date_time().strftime("%Y-%m-%dT%H:%M:%SZ"),
    "duration": lambda f: f"{f.random_int(1, 59)}{f.random.choice(('s', 'm', 'h'))}",
    "quantity": lambda f: f"{f.random_int(1, 512)}{f.random.choice(('Mi', 'Gi', 'm', ''))}",
    "k8sshortname": lambda f: _dns_label(f.domain_word()) or "name",
    "k8slongname": lambda f: f.hostname(),
}

# Realistic strings for fields whose names say what they hold, checked in this order.
_FIELD_HINTS: tuple[tuple[str, Callable[[Faker], str]], ...] = (
    ("image", lambda f: f.random.choice(IMAGES)),
    ("email", lambda f: f.email()),
    ("url", lambda f: f.url()),
    ("uri", lambda f: f.url()),
    ("endpoint", lambda f: f.url()),
    ("host", lambda f: f.hostname()),
    ("address", lambda f: f.ipv4()),
    ("description", lambda f: f.sentence()),
    ("message", lambda f: f.sentence()),
    ("version", lambda f: f"{f.random_int(0, 3)}.{f.random_int(0, 20)}.{f.random_int(0, 9)}"),
    ("region", lambda f: f.random.choice(("eu-west-1", "us-east-1", "ap-south-1"))),
    ("path", lambda f: "/" + f.uri_path()),
    ("name", lambda f: _dns_label(f.domain_word()) or "name"),
)


def _dns_label(text: str) -> str:
    """``text`` made into a DNS-1123 label (lowercase, hyphens), or "" when nothing is left."""
    label = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:63].strip("-")
    return "" if is_dns1123_label(label) else label


def _container_name(name: str) -> str:
    return _dns_label(name.rsplit("-", 1)[0]) or "app"


def _merged(obj: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    if not overrides:
        return obj
    merged: dict[str, Any] = apply_merge_patch(obj, dict(overrides))
    return merged


__all__ = ["IMAGES", "Factories", "SchemaGenerationError"]
