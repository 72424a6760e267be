"""Models: dataclasses with no I/O (stored ones have `to_dict`/`from_dict`). One module per area."""
