"""The document model and the service functions that every interface (pages, API, CLI) calls."""
