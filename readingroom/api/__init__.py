"""The JSON API: the same service functions as the pages, as JSON."""
