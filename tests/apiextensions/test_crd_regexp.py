"""CRD ``pattern`` as Go's regexp package reads it (RE2 syntax), through real kubectl.

Upstream: apiextensions-apiserver pkg/apis/apiextensions/validation/validation.go refuses a
pattern ``regexp.Compile`` refuses ("must be a valid regular expression, but isn't: " + the
*syntax.Error); kube-openapi's validator matches objects with ``MatchString``. The error texts
are regexp/syntax/parse.go's ErrorCode strings.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

from fakeapi.util import regexp

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.parametrize(
    ("pattern", "text", "matched"),
    [
        ("^(?i)(abort|warn)?$", "WARN", True),  # a flag group after ^: RE2 accepts it, Python's re does not
        ("^(?i)(abort|warn)?$", "stop", False),
        ("^a$", "a\n", False),  # $ is the end of the text, not before a final newline
        (r"^abc\z", "abc", True),
        (r"^\pL+$", "héllo", True),  # Unicode classes
        (r"^\p{Greek}+$", "αβγ", True),
        ("^(?U)a+", "aaa", True),  # ungreedy flag
        ("^(?s:.)$", "\n", True),
    ],
)
def test_patterns_match_as_go_matches_them(pattern: str, text: str, matched: bool) -> None:
    assert regexp.compile(pattern)(text) is matched


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("^(?=a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
        ("(?!a)b", "error parsing regexp: invalid or unsupported Perl syntax: `(?!`"),
        # Go reads "(?<" as a named capture "(?<name>" (parse.go parsePerlFlags), C++ RE2 as a Perl operator.
        ("(?<=a)b", "error parsing regexp: invalid named capture: `(?<=a)b`"),
        ("(?<!a)b>", "error parsing regexp: invalid named capture: `(?<!a)b>`"),
        ("[(?<=]", None),
        (r"(a)\1", "error parsing regexp: invalid escape sequence: `\\1`"),
        (r"a\Z", "error parsing regexp: invalid escape sequence: `\\Z`"),
        (r"a\C", "error parsing regexp: invalid escape sequence: `\\C`"),
        ("x**", "error parsing regexp: invalid nested repetition operator: `**`"),
        ("a{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
        ("[a", "error parsing regexp: missing closing ]: `[a`"),
        ("*", "error parsing regexp: missing argument to repetition operator: `*`"),
        ("a\\", "error parsing regexp: trailing backslash at end of expression: ``"),
    ],
)
def test_patterns_go_refuses_are_refused_with_its_text(pattern: str, message: str | None) -> None:
    if message is None:  # inside a character class the same text is literal
        regexp.compile(pattern)
        return
    with pytest.raises(regexp.RegexpError) as caught:
        regexp.compile(pattern)
    assert str(caught.value) == message


def test_matching_is_linear_time() -> None:
    """A pattern that backtracks exponentially in Python's re answers at once (RE2 never backtracks)."""
    assert regexp.compile("^(a+)+$")("a" * 5000 + "!") is False


def _crd(pattern: str) -> str:
    return f"""
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: routes.regexp.example.com
spec:
  group: regexp.example.com
  scope: Namespaced
  names: {{plural: routes, singular: route, kind: Route}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              action:
                type: string
                pattern: '{pattern}'
"""


def _route(action: str) -> str:
    return f"""
apiVersion: regexp.example.com/v1
kind: Route
metadata: {{name: r1, namespace: default}}
spec: {{action: {action}}}
"""


@pytest.mark.kubectl
def test_kubectl_applies_a_crd_with_a_mid_pattern_flag_group_and_objects_are_validated_with_it(
    kubectl: Kubectl,
) -> None:
    """prometheus-operator's AlertmanagerConfig uses ``^(?i)(abort|warn)?$``."""
    kubectl("apply", "--server-side", "-f", "-", input=_crd("^(?i)(abort|warn)?$"))
    kubectl("wait", "--for=condition=Established", "crd/routes.regexp.example.com", "--timeout=10s")

    kubectl("apply", "--server-side", "-f", "-", input=_route("Warn"))
    refused = kubectl("apply", "--server-side", "-f", "-", input=_route("stop"), check=False)

    assert refused.returncode != 0
    assert "spec.action: Invalid value: \"stop\": spec.action in body should match '^(?i)(abort|warn)?$'" in (
        refused.stderr
    )


@pytest.mark.kubectl
def test_kubectl_apply_of_a_crd_with_a_lookahead_is_refused_with_upstreams_message(kubectl: Kubectl) -> None:
    refused = kubectl("apply", "--server-side", "-f", "-", input=_crd("^(?=a)b$"), check=False)

    assert refused.returncode != 0
    assert (
        "spec.validation.openAPIV3Schema.properties[spec].properties[action].pattern: "
        'Invalid value: "^(?=a)b$": must be a valid regular expression, but isn\'t: '
        "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"
    ) in refused.stderr
