from . import stages
