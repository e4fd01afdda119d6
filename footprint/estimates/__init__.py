"""From what a user gives (names, numbers, ranges, files) to an estimate: the inputs and ``estimate()``."""
