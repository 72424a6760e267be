"""A network of stations: one programme per member station, produced on a queue with one voice cache.

`network.yaml` lists the members (config), `materialize` builds each member's station folder
from a shared template, `jobs` produces one (station, month), `queue` runs the jobs on
Dramatiq + Redis or on a local pool of processes, `progress` counts and summarises results.
"""
