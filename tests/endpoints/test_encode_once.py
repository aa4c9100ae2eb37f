"""The shared encodings are invisible: what watchers, lists and gets read is a fresh encoding.

kube-apiserver's cacher encodes each object version once and gives every watcher the same bytes
(staging/src/k8s.io/apiserver/pkg/storage/cacher/caching_object.go, CacheEncode); fakeapi's
storage does the same for the versions in its watch window (fakeapi/storage/caching_object.py),
and lists and gets reuse them. These tests drive a server over HTTPS, as clients do, through
creates, updates, selector transitions and deletes, and compare every byte received with an
encoding of the same version made when it was committed (a storage listener, which runs before
any request could encode it). Transformed answers (Table, PartialObjectMetadata) are built per
request and must carry the same versions. Objects keep the fields Go's encoder always writes
(apimachinery/gojson.py): a Deployment's ``status: {}`` is in its cached bytes too.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from secure_client import TIMEOUT, SecureClient

from fakeapi import FakeAPIServer, ServerConfig
from fakeapi.apimachinery.jsonutil import encode_json
from fakeapi.controllers.manager import without_simulation
from fakeapi.endpoints.handlers.table import to_partial_object_metadata
from fakeapi.storage.caching_object import list_item
from fakeapi.storage.interfaces import Event

NS = "cache"
CONFIGMAPS = f"/api/v1/namespaces/{NS}/configmaps"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
METADATA = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"


@dataclass
class Committed:
    """Every version the storage committed, encoded at commit time, by resourceVersion."""

    fresh: dict[str, bytes] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __call__(self, event: Event) -> None:
        rv = event.object["metadata"]["resourceVersion"]
        self.fresh[rv] = encode_json(event.object)
        self.objects[rv] = event.object


@pytest.fixture
def server() -> Iterator[tuple[FakeAPIServer, SecureClient, Committed]]:
    committed = Committed()
    with FakeAPIServer(ServerConfig(port=0, controllers=without_simulation())) as fake:
        fake.storage.add_listener(committed)
        client = SecureClient(fake.url, fake.ca.cert_pem, fake.admin_cert)
        assert client.post("/api/v1/namespaces", {"metadata": {"name": NS}}).status == 201
        yield fake, client, committed


class Watch(threading.Thread):
    """A raw HTTPS watch that keeps every line it reads."""

    def __init__(self, client: SecureClient, query: str, accept: str = "application/json") -> None:
        super().__init__(daemon=True)
        self.lines: list[bytes] = []
        self.connection: http.client.HTTPSConnection = client.connection()
        self.connection.request("GET", f"{CONFIGMAPS}?watch=1&{query}", headers={"Accept": accept})
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        self.start()

    def run(self) -> None:
        try:
            while line := self.response.readline():
                self.lines.append(line)
        except (OSError, ValueError, AttributeError):
            return  # until() closed the connection under the read

    def until(self, count: int) -> list[bytes]:
        for _ in range(500):
            if len(self.lines) >= count:
                break
            threading.Event().wait(0.01)
        # Shut the socket down first: that wakes the reader blocked in readline().
        if self.connection.sock is not None:
            self.connection.sock.shutdown(socket.SHUT_RDWR)
        self.connection.close()
        self.join(TIMEOUT)
        return self.lines


def write_the_story(client: SecureClient) -> None:
    """Create two ConfigMaps; relabel, change and delete one: each write a new version."""
    for name in ("a", "b"):
        body = {"metadata": {"name": name, "labels": {"tier": "web"}}, "data": {"v": f"{name}-1 ✓"}}
        assert client.post(CONFIGMAPS, body).status == 201
    patch = {"Content-Type": "application/merge-patch+json"}
    for change in ({"data": {"v": "a-2"}}, {"metadata": {"labels": {"tier": "db"}}}, {"data": {"v": "a-3"}}):
        conn = client.connection()
        conn.request("PATCH", f"{CONFIGMAPS}/a", json.dumps(change).encode(), patch)
        assert conn.getresponse().status == 200
        conn.close()
    assert client.request("DELETE", f"{CONFIGMAPS}/a").status == 200


def parsed(line: bytes) -> tuple[str, dict[str, Any]]:
    event = json.loads(line)
    return event["type"], event["object"]


def test_watchers_read_the_bytes_of_a_fresh_encoding(server: tuple[FakeAPIServer, SecureClient, Committed]) -> None:
    _, client, committed = server
    start = client.get(CONFIGMAPS).json()["metadata"]["resourceVersion"]
    plain = [Watch(client, f"resourceVersion={start}") for _ in range(3)]
    web = Watch(client, f"resourceVersion={start}&labelSelector=tier%3Dweb")
    only_a = Watch(client, f"resourceVersion={start}&fieldSelector=metadata.name%3Da")
    write_the_story(client)

    streams = [w.until(6) for w in plain]
    # Every watcher read the same bytes; each line is the version committed, encoded then.
    assert streams[0] == streams[1] == streams[2] and len(streams[0]) == 6
    for line in streams[0]:
        event_type, obj = parsed(line)
        rv = obj["metadata"]["resourceVersion"]
        assert line == b'{"type":"' + event_type.encode() + b'","object":' + committed.fresh[rv] + b"}\n"
    assert [parsed(line)[0] for line in streams[0]] == ["ADDED", "ADDED", "MODIFIED", "MODIFIED", "MODIFIED", "DELETED"]

    # A selector turns a relabel into DELETED and hides what follows; the bytes are the same versions'.
    selected = web.until(4)
    assert [parsed(line)[0] for line in selected] == ["ADDED", "ADDED", "MODIFIED", "DELETED"]
    named = only_a.until(5)
    assert [parsed(line)[1]["metadata"]["name"] for line in named] == ["a"] * 5
    *matching, left = selected
    for line in matching + named:
        _, obj = parsed(line)
        assert committed.fresh[obj["metadata"]["resourceVersion"]] in line
    # Leaving the selector is the version that last matched, at the revision of the relabel
    # (cache_watcher.go's convertToWatchEvent): an object of its own, not a committed version.
    last = next(
        obj
        for _, obj in map(parsed, reversed(matching))
        if obj["metadata"]["name"] == parsed(left)[1]["metadata"]["name"]
    )
    _, gone = parsed(left)
    relabelled = gone["metadata"]["resourceVersion"]
    assert gone == {**last, "metadata": {**last["metadata"], "resourceVersion": relabelled}}
    assert int(relabelled) > int(last["metadata"]["resourceVersion"])


def test_lists_and_gets_read_the_bytes_of_a_fresh_encoding(
    server: tuple[FakeAPIServer, SecureClient, Committed],
) -> None:
    fake, client, committed = server
    start = client.get(CONFIGMAPS).json()["metadata"]["resourceVersion"]
    watcher = Watch(client, f"resourceVersion={start}")  # encodes every version first
    write_the_story(client)
    watcher.until(6)

    got = client.get(f"{CONFIGMAPS}/b")
    assert got.body == committed.fresh[got.json()["metadata"]["resourceVersion"]] + b"\n"
    for _ in range(2):  # the second list reads what the first cached
        listed = client.get(CONFIGMAPS)
        head = listed.json()
        items = [list_item(committed.objects[i["metadata"]["resourceVersion"]]) for i in head["items"]]
        # (kube-root-ca.crt is the root CA publisher's, made with the namespace.)
        assert [i["metadata"]["name"] for i in items] == ["b", "kube-root-ca.crt"]
        assert listed.body == encode_json({**head, "items": items}) + b"\n"
    # An exact list of an older revision reads older versions: their bytes, not the current ones'.
    before_delete = int(head["metadata"]["resourceVersion"]) - 1
    older = client.get(f"{CONFIGMAPS}?resourceVersion={before_delete}&resourceVersionMatch=Exact")
    older_items = [list_item(committed.objects[i["metadata"]["resourceVersion"]]) for i in older.json()["items"]]
    assert [i["data"].get("v") for i in older_items] == ["a-3", "b-1 ✓", None]
    assert older.body == encode_json({**older.json(), "items": older_items}) + b"\n"
    assert fake.storage.encodings.tracked() > 0


def test_transformed_answers_carry_the_same_versions(server: tuple[FakeAPIServer, SecureClient, Committed]) -> None:
    _, client, committed = server
    start = client.get(CONFIGMAPS).json()["metadata"]["resourceVersion"]
    plain = Watch(client, f"resourceVersion={start}")
    metadata = Watch(client, f"resourceVersion={start}", METADATA)
    table = Watch(client, f"resourceVersion={start}", TABLE)
    write_the_story(client)
    plain.until(6)

    for line in metadata.until(6):
        event_type, obj = parsed(line)
        version = committed.objects[obj["metadata"]["resourceVersion"]]
        assert line == encode_json({"type": event_type, "object": to_partial_object_metadata(version)}) + b"\n"
    rows = [parsed(line)[1]["rows"][0] for line in table.until(6)]
    assert [row["cells"][0] for row in rows] == ["a", "b", "a", "a", "a", "a"]
    for row in rows:
        version = committed.objects[row["object"]["metadata"]["resourceVersion"]]
        assert row["object"] == to_partial_object_metadata(version)
    listed = client.get(
        CONFIGMAPS, headers={"Accept": METADATA.replace("PartialObjectMetadata", "PartialObjectMetadataList")}
    ).json()
    assert listed["kind"] == "PartialObjectMetadataList"
    for item in listed["items"]:
        assert item == to_partial_object_metadata(committed.objects[item["metadata"]["resourceVersion"]])
    yaml_get = client.get(f"{CONFIGMAPS}/b", headers={"Accept": "application/yaml"})
    assert (
        yaml.safe_load(yaml_get.body)
        == committed.objects[client.get(f"{CONFIGMAPS}/b").json()["metadata"]["resourceVersion"]]
    )


def test_go_encoded_fields_are_in_the_shared_bytes(server: tuple[FakeAPIServer, SecureClient, Committed]) -> None:
    _, client, committed = server
    deployment = {
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
        },
    }
    created = client.post(f"/apis/apps/v1/namespaces/{NS}/deployments", deployment)
    got = client.get(f"/apis/apps/v1/namespaces/{NS}/deployments/web")
    listed = client.get(f"/apis/apps/v1/namespaces/{NS}/deployments")

    rv = created.json()["metadata"]["resourceVersion"]
    assert created.body == got.body == committed.fresh[rv] + b"\n"
    assert created.json()["status"] == {}
    assert listed.body == encode_json({**listed.json(), "items": [list_item(committed.objects[rv])]}) + b"\n"
