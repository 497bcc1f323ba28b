"""Missing data and loss to follow-up: inverse-probability-of-censoring weights and Rubin's
rules for pooling estimates over multiply imputed data sets."""

from .ipcw import IPCW, ipcw
from .pool import PooledResult, pool

__all__ = ["IPCW", "PooledResult", "ipcw", "pool"]
