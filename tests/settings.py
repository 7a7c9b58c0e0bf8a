"""Test settings: the real settings, with a data directory of the test run's own (a real SQLite file)."""

import os
import tempfile

if not os.environ.get("READINGROOM_TEST_KEEP_DATA_DIR"):
    os.environ["READINGROOM_DATA_DIR"] = tempfile.mkdtemp(prefix="readingroom-test-")
os.environ.pop("READINGROOM_DATABASE_URL", None)

from readingroom.settings import *  # noqa: E402,F403
