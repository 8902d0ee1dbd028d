"""Qt widgets of the plugin (everything that imports qtpy lives here)."""

from ._singletons import protect_singletons

protect_singletons()
