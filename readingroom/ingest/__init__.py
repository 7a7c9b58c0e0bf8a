"""The import pipeline, one module per stage.

read (``readers/``) -> normalise (``normalise.py``) -> validate (``validate.py``) -> store (``store.py``),
driven by ``pipeline.py``. Readers turn a source file into records in the public JSON shape
(the shape of ``GET /api/documents/<id>``); every later stage works on that one shape.
"""
