"""viz: computation graphs with graphviz and the plots of the notes.

graphviz and matplotlib are imported when a function needs them, so the engine never
depends on them.
"""

from .graph import draw_graph
from .plots import (
    plot_activations,
    plot_decision_boundary,
    plot_gradient_flow,
    plot_history,
    plot_loss_surface,
    plot_optimizer_paths,
)
from .step_through import StepThrough, step_through

__all__ = [
    "draw_graph",
    "step_through",
    "StepThrough",
    "plot_activations",
    "plot_loss_surface",
    "plot_gradient_flow",
    "plot_history",
    "plot_decision_boundary",
    "plot_optimizer_paths",
]
