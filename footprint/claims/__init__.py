"""Published footprints and what was claimed about them: references, reproductions, comparisons, claim checks."""
