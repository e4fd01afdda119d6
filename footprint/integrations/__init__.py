"""Training-framework callbacks: Hugging Face ``Trainer``, Lightning and Keras 3.

Each lives in its own module and imports its framework when it is imported, never before; ``import footprint``
imports none of them. Install the framework with its extra: ``pip install 'footprint[transformers]'``,
``'footprint[lightning]'`` or ``'footprint[keras]'``.

    from footprint.integrations.transformers import FootprintCallback
    trainer = Trainer(model, args, train_dataset=data, callbacks=[FootprintCallback(budget="5 MWh", on_budget="stop")])

Every callback reports the loop's work through ``footprint.progress``, meters the node itself unless a
``footprint run`` or an outer ``footprint.track()`` already does (one meter per node, through the node election),
puts ``footprint/<key>`` figures into the framework's own logs, carries its energy over a resume from a
checkpoint, and on a budget with ``on_budget="stop"`` sets the framework's own stop flag.
"""
