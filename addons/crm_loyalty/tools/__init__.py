from . import points
