"""The application on top of the libraries: the ``autograd-core`` command and its demo.

The packages are layered, each importing only those below it:

    autograd_app    the command line (``python -m autograd_app``) and the demo
    viz             graphs and figures
    nn              layers, losses, optimisers, data, training
    autograd_core   the engine

Modules of this package:

    __main__   the parser of every subcommand, and ``main``, the ``autograd-core`` entry point
    errors     ``UserError`` and ``report_errors``: a user's mistake as one line and a status
    options    argparse types that check an option's value (``--lr``, ``--epochs``, ...)
    train      the ``train`` subcommand: fit an MLP classifier on a built-in dataset
    figures    the ``graph`` and ``plots`` subcommands: computation graphs and figures as files
    demo       the ``demo`` subcommand: the notes' worked examples, then training and figures
"""
