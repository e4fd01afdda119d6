"""The compute precisions a profile gives dense peaks for, widest first (a module of its own so that the
command line's options name them without loading the profile code)."""

PRECISIONS = ("fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8", "fp4")
