"""The public site's frame: base template, stylesheet, home page."""
