"""The calculator page's side of lrcalc: its state as a value, its link, and the view of a state.

The page (``static/app.js``) only collects the form into a state, sends it,
and shows the view it gets back; every rule lives here.
"""

from .state import MAX_COMPARE, State, read_query
from .view import view

__all__ = ["MAX_COMPARE", "State", "read_query", "view"]
