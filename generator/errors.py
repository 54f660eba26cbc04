"""Typed errors of the generator. Messages are for the user, in Chinese."""


class GeneratorError(Exception):
    """Base class for errors the user can fix."""

    #: The CLI and the web pages show these as a message, not a traceback.
    is_user_error = True


class TemplateError(GeneratorError):
    """A draft template is missing or broken; the message names template, line and variable."""


class RenderError(GeneratorError):
    """A document could not be written."""


class ProfileError(GeneratorError):
    """A layout profile file is invalid."""
