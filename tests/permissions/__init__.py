"""The permission table: one module per feature (``rules_<feature>.py``), each with

- ``RULES``: {(endpoint, METHOD): Rule}: what each kind of user gets on that route;
- optionally ``extend_world(world)``: add the objects its routes need to the world.

``tests/test_permissions.py`` walks every rule of ``app.url_map`` and fails for a
route missing from the table.
"""
