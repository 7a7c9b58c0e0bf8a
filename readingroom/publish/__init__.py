"""The publish stage: every outward form of a record other than its page and JSON.

Citations (``citations``, through CSL), reference-manager and metadata exports (``formats``), OAI-PMH
(``oai``), the sitemap, the Atom feed, ``robots.txt`` and the OpenAPI description of the JSON API.
All of them read records through :mod:`readingroom.documents.services`.
"""
