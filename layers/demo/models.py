from django.db import models


class PendingIndex(models.Model):
    """An index that a demo load dropped and that is built again after the load commits, by
    several connections at once (PostgreSQL 15 builds GIN and GiST indexes on one core). The row
    is written in the load's transaction and deleted in the transaction that builds the index, so
    an index whose build was interrupted stays listed until the next ``load_demo`` builds it."""

    name = models.CharField(max_length=200, primary_key=True)  # as regclass::text writes it
    table = models.CharField(max_length=63)
    definition = models.TextField()  # pg_get_indexdef()

    class Meta:
        db_table = "demo_pending_index"

    def __str__(self) -> str:
        return self.name
