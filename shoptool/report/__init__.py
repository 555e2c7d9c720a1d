"""The manager's page (PRODUCT §21): panels (model.py) drawn by Jinja2 templates (templates/) with
inline SVG charts of our own (charts.py) into one self-contained HTML file (render.py).

`jobs/report.py` computes the panels from the jobs; this package only reads and draws them, and
imports Jinja2 only when a page is drawn.
"""
