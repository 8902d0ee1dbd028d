"""Qt widgets of the plugin (everything that imports qtpy lives here)."""
