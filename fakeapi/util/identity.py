"""Generation of uids and generateName suffixes, optionally seeded for reproducible runs.

Mirrors k8s.io/apiserver/pkg/storage/names (SimpleNameGenerator) and the uuid.NewUUID call
in rest.FillObjectMetaSystemFields.
"""

from __future__ import annotations

import random
import threading
import uuid

# names.SimpleNameGenerator: no vowels, no confusable characters.
NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
NAME_SUFFIX_LENGTH = 5
MAX_GENERATED_NAME_LENGTH = 63
MAX_NAME_BASE_LENGTH = MAX_GENERATED_NAME_LENGTH - NAME_SUFFIX_LENGTH


class IdentityGenerator:
    """Makes uids and name suffixes; with a seed, the same sequence on every run."""

    def __init__(self, seed: int | str | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed) if seed is not None else random.SystemRandom()

    def reseed(self, seed: int | str | None) -> None:
        with self._lock:
            self._random = random.Random(seed) if seed is not None else random.SystemRandom()

    def new_uid(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def generate_name(self, base: str) -> str:
        """SimpleNameGenerator.GenerateName: the base cut to 58 characters plus 5 random ones."""
        with self._lock:
            suffix = "".join(self._random.choice(NAME_SUFFIX_ALPHABET) for _ in range(NAME_SUFFIX_LENGTH))
        return base[:MAX_NAME_BASE_LENGTH] + suffix
