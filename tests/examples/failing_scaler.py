"""A test that fails on purpose, for the trace viewer's how-to (``test_howto_read_a_trace.py``).

pytest does not collect this file (its name does not start with ``test_``): the how-to copies it
into a scratch project and runs it there, so the suite passes while showing a real failure and
the trace it leaves. Its controller scales the Deployments labelled ``tier=web`` to the count a
ConfigMap gives; the test changes the count and expects the Deployment to follow, but nothing
runs the controller again after the change: the kind of bug a trace shows at a glance.
"""

from kubernetes import client

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default", "labels": {"tier": "web"}},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        },
    },
}
SETTINGS = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "scaling"}, "data": {"replicas": "2"}}


def scale_web_deployments(api_client: client.ApiClient) -> None:
    """The controller under test: one pass over the Deployments it manages."""
    core, apps = client.CoreV1Api(api_client), client.AppsV1Api(api_client)
    wanted = int(core.read_namespaced_config_map("scaling", "default").data["replicas"])
    for deployment in apps.list_namespaced_deployment("default", label_selector="tier=web").items:
        apps.patch_namespaced_deployment_scale(
            deployment.metadata.name, "default", {"spec": {"replicas": wanted}}, field_manager="scaler"
        )


def test_the_scaler_follows_its_settings(fakeapi):
    fakeapi.seed(DEPLOYMENT, SETTINGS)
    api_client = fakeapi.api_client()
    scale_web_deployments(api_client)
    client.CoreV1Api(api_client).patch_namespaced_config_map("scaling", "default", {"data": {"replicas": "3"}})

    assert fakeapi.get("apps/v1", "Deployment", "web")["spec"]["replicas"] == 3
