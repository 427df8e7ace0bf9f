"""Figure-drawing functions of the notebooks, one module per notebook topic.

Each function takes the tables a notebook computed and returns (fig, data) where `data` is the DataFrame behind
the figure; the notebook saves both with analysis.report.figures.save_figure and shows the figure.
"""
