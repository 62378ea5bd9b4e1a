from . import returns, stages
