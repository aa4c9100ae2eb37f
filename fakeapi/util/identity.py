"""Generation of uids, generateName suffixes and container IDs, optionally seeded for reproducible runs.

Mirrors k8s.io/apiserver/pkg/storage/names (SimpleNameGenerator) and the uuid.NewUUID call
in rest.FillObjectMetaSystemFields; container IDs are what a container runtime would make.

Every draw can be recorded (``recording()``): a seeded reset that copies a recorded bootstrap
replays the same draws from its own seed (``replay``), so the copy holds the uids, names and
IDs a bootstrap made from that seed would hold.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# names.SimpleNameGenerator: no vowels, no confusable characters.
NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
NAME_SUFFIX_LENGTH = 5
MAX_GENERATED_NAME_LENGTH = 63
MAX_NAME_BASE_LENGTH = MAX_GENERATED_NAME_LENGTH - NAME_SUFFIX_LENGTH


CONTAINER_ID_PREFIX = "containerd://"


@dataclass(frozen=True)
class Draw:
    """One value the generator made: its kind (``uid``, ``name`` with the base it extended, ``container``)."""

    kind: str
    value: str
    base: str = ""


class IdentityGenerator:
    """Makes uids, name suffixes and container IDs; with a seed, the same sequence on every run."""

    def __init__(self, seed: int | str | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed) if seed is not None else random.SystemRandom()
        self._recorded: list[Draw] | None = None

    @contextmanager
    def recording(self) -> Iterator[list[Draw]]:
        """Record every draw made inside the block, in order, into the list it yields."""
        draws: list[Draw] = []
        self._recorded = draws
        try:
            yield draws
        finally:
            self._recorded = None

    def replay(self, draws: list[Draw]) -> dict[str, str]:
        """Draw anew what ``draws`` drew, in the same order; each old value mapped to its new one."""
        fresh = {
            "uid": lambda _: self.new_uid(),
            "name": self.generate_name,
            "container": lambda _: self.new_container_id(),
        }
        return {draw.value: fresh[draw.kind](draw.base) for draw in draws}

    def _record(self, draw: Draw) -> str:
        if self._recorded is not None:
            self._recorded.append(draw)
        return draw.value

    def reseed(self, seed: int | str | None) -> None:
        with self._lock:
            self._random = random.Random(seed) if seed is not None else random.SystemRandom()

    def new_uid(self) -> str:
        with self._lock:
            return self._record(Draw("uid", str(uuid.UUID(int=self._random.getrandbits(128), version=4))))

    def generate_name(self, base: str) -> str:
        """SimpleNameGenerator.GenerateName: the base cut to 58 characters plus 5 random ones."""
        with self._lock:
            suffix = "".join(self._random.choice(NAME_SUFFIX_ALPHABET) for _ in range(NAME_SUFFIX_LENGTH))
            return self._record(Draw("name", base[:MAX_NAME_BASE_LENGTH] + suffix, base))

    def new_container_id(self) -> str:
        """A container runtime's ID for a started container: ``containerd://`` and 64 hex digits."""
        with self._lock:
            return self._record(Draw("container", f"{CONTAINER_ID_PREFIX}{self._random.getrandbits(256):064x}"))
