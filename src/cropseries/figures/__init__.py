"""Plotly figures for a person to inspect each stage; one module per stage.

Figure functions take small in-memory data (pandas frames, reports) and return
`plotly.graph_objects.Figure`s; whatever reads or samples data with Spark is named as such.
"""
