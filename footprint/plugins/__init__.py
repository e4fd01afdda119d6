"""The plugin layer: the plugin manager, the hook specifications, and the two look-ups plugins feed
(the hardware catalog and grid intensity). ``builtin`` holds footprint's own plugins, registered through the
same hooks as third-party ones.
"""
