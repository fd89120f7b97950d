"""The organisation tree: units, levels, sector tracks, and their dated history."""
