"""``ag.compile``: capture a function's graph once, replay it as straight-line code.

``capture`` is what the rest of the library calls while a function is traced; ``compile``
holds the tracer, the program and the cache; ``codegen`` writes a program out as Python;
``guards`` checks what a trace depended on; ``waves`` runs scalar graphs as vector calls.
This package file imports nothing, so that the core can import ``capture`` early.
"""
