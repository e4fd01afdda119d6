"""Renderers: a Footprint (or a comparison, or claim checks) as text tables, statements, plots and HTML pages.

Every renderer reads the result's data (Quantities, JSON-shaped details), never another renderer's text.
"""
