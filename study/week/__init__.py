"""``queueplan roster``: the week's duty roster of named staff, its outputs and its report page."""
