from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "readingroom.web"
    label = "web"

    def ready(self) -> None:
        # The interface's catalogues are compiled at setup (scripts/vendor.sh); should a .mo be missing or older
        # than its .po (a checkout that skipped setup), compile it now (a few milliseconds), so the interface
        # never silently falls back to English. A read-only installation keeps what it has.
        try:
            # deferred: AppConfig.ready: the app registry is ready only now, and Django imports apps.py before it is
            from readingroom.web.msgfmt import compile_all

            compile_all()
        except OSError:
            pass
