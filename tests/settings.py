"""Test settings: the real settings, with a data directory of the test run's own (a real SQLite file)."""

import atexit
import os
import shutil
import tempfile

if not os.environ.get("READINGROOM_TEST_KEEP_DATA_DIR"):
    os.environ["READINGROOM_DATA_DIR"] = tempfile.mkdtemp(prefix="readingroom-test-")
    atexit.register(shutil.rmtree, os.environ["READINGROOM_DATA_DIR"], ignore_errors=True)
os.environ.pop("READINGROOM_DATABASE_URL", None)

from readingroom.settings import *  # noqa: E402,F403
