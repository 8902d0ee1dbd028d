"""What the plugin uses of napari's viewer, layer list, layers and events, as Protocols.

napari ships no type information, so these Protocols type the boundary: our own signatures name
them instead of ``Any``, and mypy checks that we use nothing beyond them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol


class Layer(Protocol):
    """A napari layer, as far as the plugin reads it."""

    name: str
    metadata: dict[str, Any]  # napari's own untyped mapping
    scale: tuple[float, ...]
    units: tuple[str, ...]


class Signal(Protocol):
    def connect(self, callback: Callable[..., object]) -> object: ...

    def disconnect(self, callback: Callable[..., object]) -> object: ...


class LayerEvent(Protocol):
    """An event of the layer list: ``value`` is the layer inserted or removed."""

    @property
    def value(self) -> Layer: ...


class DataEvent(Protocol):
    """A Shapes ``events.data`` event: ``action`` is ``added``, ``changed``, ``removed``, ..."""

    @property
    def action(self) -> object: ...


class LayerListEvents(Protocol):
    @property
    def inserted(self) -> Signal: ...

    @property
    def removed(self) -> Signal: ...


class Selection(Protocol):
    active: Layer | None


class LayerList(Protocol):
    @property
    def events(self) -> LayerListEvents: ...

    @property
    def selection(self) -> Selection: ...

    def __iter__(self) -> Iterator[Layer]: ...

    def __contains__(self, layer: object) -> bool: ...

    def remove(self, layer: Layer) -> None: ...


class Viewer(Protocol):
    """A napari ``Viewer`` or ``ViewerModel``, as far as the layer binding uses it."""

    @property
    def layers(self) -> LayerList: ...

    def add_layer(self, layer: Layer) -> Layer: ...

    def reset_view(self) -> None: ...
