"""Plain function views: read the request, call `broadcast.services`, render a template.

No business rule lives here; every view is guarded by `role_required` (decorators.py) and
every input goes through a form (forms.py). One module per page group; urls.py names them.
"""
