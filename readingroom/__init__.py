"""Reading Room: an open-source digital archive for historical primary-source documents."""

__version__ = "0.1.0"
