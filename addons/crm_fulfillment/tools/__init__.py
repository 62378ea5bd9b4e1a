from . import locks, returns, stages
