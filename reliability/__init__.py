"""`make reliability`: the portal under load and faults, against real servers on 127.0.0.1.

Each scenario is a module with a ``run`` function returning a ``Result``; ``python -m
reliability`` runs them in turn and prints a summary. The fast subset runs in the test suite
(tests/reliability/).
"""
