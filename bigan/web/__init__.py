"""bigan's local web pages (`bigan serve`): the kb and generator functions behind a browser form."""

from bigan.web.app import create_app

__all__ = ["create_app"]
