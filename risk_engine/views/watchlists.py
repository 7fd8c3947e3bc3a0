"""Watch list management."""
