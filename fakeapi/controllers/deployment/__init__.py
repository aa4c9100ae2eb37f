"""The deployment controller (pkg/controller/deployment), one module per upstream file.

- ``deployment_controller``: event handlers, claiming ReplicaSets, ``syncDeployment``;
- ``sync``: the new ReplicaSet and revisions, scaling, history cleanup, status;
- ``rolling`` and ``recreate``: the two strategies; ``rollback``: the annotation-driven rollback;
- ``progress``: the Progressing condition and the progress deadline;
- ``deployment_util`` (util/deployment_util.go): annotations, fenceposts, counts and predicates.
"""

from fakeapi.controllers.deployment.deployment_controller import DeploymentController

__all__ = ["DeploymentController"]
