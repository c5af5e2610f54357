from layers.common.history import HistoryActorMiddleware

__all__ = ["HistoryActorMiddleware"]
