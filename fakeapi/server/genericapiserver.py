"""GenericAPIServer: installs API groups and serves requests through the director.

Mirrors k8s.io/apiserver/pkg/server/genericapiserver.go (InstallLegacyAPIGroup,
InstallAPIGroups, installAPIResources) and handler.go (the director that hands resource
paths to the installed group-versions and everything else to the non-REST mux).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupVersion
from fakeapi.endpoints.discovery import DiscoveryManager
from fakeapi.endpoints.handlers.table import TableConvertorRegistry
from fakeapi.endpoints.http import Handler, Request, ResponseWriter, write_bytes, write_json
from fakeapi.endpoints.installer import APIInstaller
from fakeapi.endpoints.openapi.openapi import OpenAPI
from fakeapi.registry.rest_storage import APIGroupInfo
from fakeapi.storage.caching_object import EncodedObjects

logger = logging.getLogger("fakeapi.server")
LEGACY_API_PREFIX = "/api"
API_GROUP_PREFIX = "/apis"
HEALTH_CHECKS = ("ping", "log", "etcd", "poststarthook/start-apiextensions-controllers")


class GenericAPIServer:
    def __init__(
        self,
        schemas: SchemaRegistry,
        version_info: dict[str, str],
        discovery: DiscoveryManager,
        encodings: EncodedObjects | None = None,
    ) -> None:
        self.schemas = schemas
        # The storage's encodings of the versions in its watch window, shared by every installed resource.
        self.encodings = encodings
        # How each resource is printed for kubectl get; convertors may be registered at run time.
        self.table_convertors = TableConvertorRegistry(schemas)
        self.version_info = version_info
        self.discovery = discovery
        self.non_resource_handlers: dict[str, Handler] = {
            "/version": self._serve_version,
            "/healthz": self._serve_health("healthz"),
            "/livez": self._serve_health("livez"),
            "/readyz": self._serve_health("readyz"),
        }
        # /openapi/v2 and /openapi/v3[/<group-version>] (routes/openapi.go), built when first asked for.
        self.openapi = OpenAPI(schemas, discovery, version_info)
        self.openapi.install(self.non_resource_handlers)

    # -- installation ---------------------------------------------------------------------------

    def install_legacy_api_group(self, info: APIGroupInfo) -> None:
        self._install_api_resources(LEGACY_API_PREFIX, info)

    def install_api_groups(self, *infos: APIGroupInfo) -> None:
        for info in infos:
            if not info.group:
                raise ValueError("cannot register a group with an empty name; use install_legacy_api_group")
            self._install_api_resources(API_GROUP_PREFIX, info)

    def _install_api_resources(self, api_prefix: str, info: APIGroupInfo) -> None:
        for gv in info.prioritized_versions:
            storage_map = info.versioned_resources_storage_map.get(gv.version)
            if not storage_map:
                logger.warning("skipping API %s because it has no resources", gv)
                continue
            prefix = "/".join(p for p in (api_prefix, gv.group, gv.version) if p)
            self.discovery.add(
                APIInstaller(gv, prefix, self.schemas, self.table_convertors, self.encodings).install(storage_map)
            )

    # -- serving ----------------------------------------------------------------------------------

    def director(self, req: Request, w: ResponseWriter) -> None:
        info = req.info
        if info.is_resource_request:
            installed = self.discovery.group_version(GroupVersion(info.api_group, info.api_version))
            if installed is None or (info.api_prefix == "api") != (info.api_group == ""):
                raise errors.new_generic_not_found()
            installed.serve(req, w)
            return
        path = req.path.rstrip("/") or "/"
        if path in (LEGACY_API_PREFIX, API_GROUP_PREFIX):
            self._only_get(req)
            self.discovery.serve_root(req, w, legacy_root=path == LEGACY_API_PREFIX)
            return
        parts = path.strip("/").split("/")
        if parts[0] in ("api", "apis"):
            self._only_get(req)
            self._serve_group_discovery(parts, w)
            return
        handler = self.non_resource_handlers.get(path) or self._prefix_handler(path)
        if handler is None:
            raise errors.new_generic_not_found()
        handler(req, w)

    def _prefix_handler(self, path: str) -> Handler | None:
        for prefix, handler in self.non_resource_handlers.items():
            if path.startswith(prefix + "/"):
                return handler
        return None

    @staticmethod
    def _only_get(req: Request) -> None:
        if req.method not in ("GET", "HEAD"):
            raise errors.new_generic_method_not_allowed()

    def _serve_group_discovery(self, parts: list[str], w: ResponseWriter) -> None:
        document = None
        if parts[0] == "api" and len(parts) == 2:
            document = self.discovery.api_resource_list(GroupVersion("", parts[1]))
        elif parts[0] == "apis" and len(parts) == 2:
            group = self.discovery.api_group(parts[1])
            document = {"kind": "APIGroup", "apiVersion": "v1", **group} if group else None
        elif parts[0] == "apis" and len(parts) == 3:
            document = self.discovery.api_resource_list(GroupVersion(parts[1], parts[2]))
        if document is None:
            raise errors.new_generic_not_found()
        write_json(w, 200, document)

    def _serve_version(self, req: Request, w: ResponseWriter) -> None:
        # routes/version.go: a go-restful WebService with one GET route, so go-restful answers 404 for any
        # other path under it and 405 for any other method.
        if req.path.rstrip("/") != "/version":
            raise errors.new_generic_not_found()
        self._only_get(req)
        write_bytes(w, 200, json.dumps(self.version_info, indent=2).encode(), "application/json")

    def _serve_health(self, name: str) -> Callable[[Request, ResponseWriter], None]:
        def serve(req: Request, w: ResponseWriter) -> None:
            check = req.path.rstrip("/").removeprefix(f"/{name}").strip("/")
            if check and check not in HEALTH_CHECKS:
                raise errors.new_generic_not_found()
            if "verbose" in req.query:
                lines = [f"[+]{c} ok" for c in HEALTH_CHECKS if not check or c == check]
                body = "\n".join(lines) + f"\n{name} check passed\n"
            else:
                body = "ok"
            write_bytes(w, 200, body.encode(), "text/plain; charset=utf-8", [("X-Content-Type-Options", "nosniff")])

        return serve
