"""Models: dataclasses with no I/O, `to_dict`/`from_dict` where they are stored."""
