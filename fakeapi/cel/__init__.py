"""The Kubernetes CEL environment (k8s.io/apiserver/pkg/cel).

Used by CRD validation rules and by the admission policies. Nothing here is imported by a bare
server: the first CRD with ``x-kubernetes-validations`` (or the first policy) imports it, and
with it the runtime, ``cel-expr-python`` (Google's cel-cpp).

The API (stable; see docs/cel.md)::

    from fakeapi.cel.environment.base import Environment

    env = Environment(variables={"object": "dyn", "params": "map(string, dyn)"})
    program = env.compile("object.spec.replicas <= params.max")   # raises CompileError
    program.eval({"object": {...}, "params": {...}})               # raises EvalError

Types are written as CEL type signatures (``dyn``, ``string``, ``list(int)``,
``map(string, dyn)``, ``kubernetes.Quantity``...). Errors carry the texts cel-go gives
kube-apiserver's users (``ERROR: <input>:1:6: undeclared reference to 'x'``, ``no such key: foo``,
``no such overload``).
"""
