from . import pg, scoring
