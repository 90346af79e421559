"""The one exception every part of the finder raises for input it cannot use."""


class FinderError(ValueError):
    """Input the finder cannot use; ``str(error)`` is a message for the page."""
