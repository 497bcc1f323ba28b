"""Missing data and loss to follow-up: inverse-probability-of-censoring weights, multiple
imputation by chained equations, and Rubin's rules for pooling estimates over imputations."""

from .impute import Imputations, impute
from .ipcw import IPCW, ipcw
from .pool import PooledResult, pool

__all__ = ["IPCW", "Imputations", "PooledResult", "impute", "ipcw", "pool"]
