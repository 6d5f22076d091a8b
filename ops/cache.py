"""Django's database cache with an atomic ``incr``, so rate limits hold across processes.

The stock ``DatabaseCache.incr`` reads and writes in two steps; two web workers taking the last
slot of a rate-limit window at the same moment would both get it. Here the row is locked first
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite a no-op write takes the database's write lock),
so increments from any number of processes are serialised.
"""

from __future__ import annotations

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        conn = connections[db]
        table = conn.ops.quote_name(self._table)
        full_key = self.make_and_validate_key(key, version=version)
        with transaction.atomic(using=db), conn.cursor() as cursor:
            if conn.vendor == "sqlite":
                cursor.execute(f"UPDATE {table} SET expires = expires WHERE cache_key = %s", [full_key])  # noqa: S608
            else:
                cursor.execute(f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE", [full_key])  # noqa: S608
            return super().incr(key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version)
