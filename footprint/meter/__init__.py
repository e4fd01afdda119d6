"""Live metering: GPUs through NVML, CPU through RAPL (or a labelled model), RAM through a labelled model.

Modules: ``channels`` (what a meter is), ``nvml`` (GPUs), ``rapl`` and ``host_model`` (CPU and RAM),
``sampler`` (the loop), ``log`` (the JSON-lines log), ``ledger`` (totals from records), ``measured``
(totals to a Footprint), ``wrap`` (the child process and its signals), ``track`` (the Python API),
``summary`` (the text summary), ``codecarbon_csv`` (codecarbon's emissions.csv row).
"""
