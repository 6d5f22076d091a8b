"""The ``search`` field: a thin edge over the search app's backend."""
