"""``ag.compile``: capture a function's graph once, replay it as straight-line code.

``capture`` is what the rest of the library calls while a function is traced; ``compile``
holds ``ag.compile`` and its cache of programs; ``trace`` runs the function once under a
tracer; ``program`` turns the trace into replayable steps (``steps``) and replays them,
with the backward walk ``schedule`` fixes; ``codegen`` writes a program out as the Python
it runs (``Compiled.source``) and ``listing`` as a student would write it
(``Compiled.code``); ``waves`` runs scalar graphs as vector calls; ``guards`` checks what a
trace depended on (with ``reads``, what code reads, and ``snapshots``, how values compare).
This package file imports nothing, so that the core can import ``capture`` early.
"""
