"""The interface's translation catalogues: which files feed them, and how the messages are extracted.

``readingroom/locale/<lang>/LC_MESSAGES/django.po`` holds the catalogue of each interface language (see
``settings.LANGUAGES``); ``readingroom.web.msgfmt`` compiles them to ``.mo`` at setup time (``make setup``
runs ``scripts/vendor.sh``, which runs it). :func:`extract_pot` runs Django's ``makemessages`` over the files
of the reading interface (``SOURCES``) in a scratch directory and returns the template catalogue, so a test can
say which strings a catalogue misses.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
LOCALE = PACKAGE / "locale"
#: the files whose interface text the catalogues translate (relative to the ``readingroom`` package)
SOURCES = (
    "web/templates/**/*.html",
    "web/*.py",
    "web/templatetags/*.py",
    "documents/templates/documents/**/*.html",
    "documents/views.py",
    "search/templates/**/*.html",
    "search/views.py",
    "history/templates/**/*.html",
)


def source_files() -> list[Path]:
    out: list[Path] = []
    for pattern in SOURCES:
        out.extend(sorted(p for p in PACKAGE.glob(pattern) if p.is_file()))
    return out


def extract_pot(workdir: Path) -> Path:
    """``makemessages`` over :data:`SOURCES` copied into ``workdir``; the path of the ``django.pot`` it wrote.
    Needs GNU gettext's ``xgettext`` (Debian package ``gettext``)."""
    for path in source_files():
        target = workdir / path.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (workdir / "locale").mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "LANG": "C.UTF-8"}
    subprocess.run(  # noqa: S603 - this Python's own django-admin makemessages, fixed arguments
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "en",
            "--keep-pot",
            "--no-location",
            "--no-wrap",
            "-e",
            "html,py",
            "--ignore",
            "locale/*",
        ],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return workdir / "locale" / "django.pot"
