"""Bàn biên tập: the web console (Django, configured in code; no manage.py).

`configure(station_dir)` sets Django up for one station (its SQLite database and secret key
live in the station's state folder); `broadcast.cli.web` serves it with waitress. Views are
thin: every rule lives in `broadcast.services`.
"""
