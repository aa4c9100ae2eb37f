"""The Kubernetes CEL libraries (apiserver/pkg/cel/library), one module per upstream file.

Each module lists its functions as :class:`Function` values: the declarations the checker
sees and the Python that runs them. ``environment/base.py`` hands them to the runtime.
Upstream's generic overloads (``<T> list(T).sum() -> T``) are declared over ``dyn`` here:
cel-cpp's Python binding has no type parameters, so such a call checks less strictly
(a wrong element type fails at evaluation, with ``no such overload``, not at compile time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Overload:
    """One overload: ``params`` include the receiver of a member function; types are CEL signatures."""

    id: str
    params: tuple[str, ...]
    result: str
    impl: Callable[..., Any]
    member: bool = False


@dataclass(frozen=True)
class Function:
    name: str
    overloads: tuple[Overload, ...]


class LibraryError(ValueError):
    """A library function's runtime error; its text is what cel-go's library returns."""
