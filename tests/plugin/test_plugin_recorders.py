"""The enqueue assertions of ``fakeapi.enqueued``: what passes, and what a failure says."""

from __future__ import annotations

import pytest

TIMEOUT = 10.0


def _namespace(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def test_a_new_namespace_is_enqueued_to_its_controllers(fakeapi) -> None:  # type: ignore[no-untyped-def]
    fakeapi.enqueued.clear()
    fakeapi.seed(_namespace("team-a"), _namespace("team-b"))
    event = fakeapi.enqueued.wait_for("team-b", listener="serviceaccount", timeout=TIMEOUT)
    assert event.cause == "namespace added"
    fakeapi.enqueued.wait_for("team-b", listener="root-ca-cert-publisher", timeout=TIMEOUT)
    fakeapi.enqueued.assert_enqueued("team-a", listener="serviceaccount", cause="namespace added")
    fakeapi.enqueued.assert_enqueued_in_order("team-a", "team-b", listener="serviceaccount")
    fakeapi.enqueued.assert_not_enqueued("team-a", listener="namespace")
    assert fakeapi.enqueued.keys("serviceaccount")[:2] == ["team-a", "team-b"]


def test_failures_show_what_was_enqueued(fakeapi) -> None:  # type: ignore[no-untyped-def]
    fakeapi.enqueued.clear()
    fakeapi.seed(_namespace("team-a"), _namespace("team-b"))
    fakeapi.enqueued.wait_for("team-b", listener="serviceaccount", timeout=TIMEOUT)

    with pytest.raises(AssertionError) as missing:
        fakeapi.enqueued.assert_enqueued("team-c", listener="serviceaccount")
    assert "key 'team-c' for 'serviceaccount' was not enqueued" in str(missing.value)
    assert "serviceaccount: 'team-a' (namespace added)" in str(missing.value)

    with pytest.raises(AssertionError, match=r"key 'team-a' for 'serviceaccount' was enqueued 1 time\(s\)"):
        fakeapi.enqueued.assert_not_enqueued("team-a", listener="serviceaccount")

    with pytest.raises(AssertionError, match="key 'team-a' for 'serviceaccount' was not enqueued after 'team-b'"):
        fakeapi.enqueued.assert_enqueued_in_order("team-b", "team-a", listener="serviceaccount")

    with pytest.raises(AssertionError, match=r"key 'never' was not enqueued within 0.05 s\nenqueued \(\d+\):"):
        fakeapi.enqueued.wait_for("never", timeout=0.05)


def test_nothing_enqueued_says_so(fakeapi) -> None:  # type: ignore[no-untyped-def]
    fakeapi.enqueued.clear()
    with pytest.raises(AssertionError, match="nothing was enqueued"):
        fakeapi.enqueued.assert_enqueued("x", listener="no-such-controller")
