"""The estimate core: units, ranges, hardware profiles, the estimate formula and its result.

Pure computation on data: nothing here asks a plugin, reads a log or prints a table.
"""
