"""viz: computation graphs with graphviz and the plots of the notes.

graphviz and matplotlib are imported when a function needs them, so the engine never
depends on them.
"""

from .graph import draw_graph

__all__ = ["draw_graph"]
