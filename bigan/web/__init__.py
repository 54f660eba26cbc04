"""bigan's local web pages (`bigan serve`): the kb and generator functions behind browser forms."""

__all__ = ["create_app"]


def __getattr__(name):
    # Flask is imported on first use, so that `bigan --help` and the other commands stay fast.
    if name == "create_app":
        from bigan.web.app import create_app
        return create_app
    raise AttributeError(name)
