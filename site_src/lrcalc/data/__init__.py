"""Small data sets shipped with lrcalc (as Python modules, so the page's archive carries them)."""
