"""viz: computation-graph rendering with graphviz and the plots of the notes."""
