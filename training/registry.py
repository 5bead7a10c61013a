"""One small name -> thing registry, used for architectures and for recipes (after BasicSR's
registries, without their global side effects: each package imports its members in ``__init__``)."""

from __future__ import annotations

from typing import Generic, Iterator, Protocol, TypeVar


class Named(Protocol):
    name: str


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """Items by their ``name``, plus aliases (old names that keep working)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    def register(self, item: T, aliases: tuple[str, ...] = ()) -> T:
        """Add ``item`` under ``item.name`` (usable as a class decorator)."""
        for name in (item.name, *aliases):
            if name in self._items or name in self._aliases:
                raise ValueError(f"{self.kind} {name!r} registered twice")
        self._items[item.name] = item
        self._aliases.update({alias: item.name for alias in aliases})
        return item

    def get(self, name: str) -> T:
        key = self._aliases.get(name, name)
        if key not in self._items:
            raise KeyError(f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}")
        return self._items[key]

    def names(self) -> list[str]:
        return sorted(self._items)

    def items(self) -> Iterator[tuple[str, T]]:
        return iter(sorted(self._items.items()))

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._aliases
