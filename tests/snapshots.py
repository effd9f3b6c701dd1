"""The rows a slow setup adds to the test database, taken once and written
back into any test's database in a few statements.

Importing the seed documents runs hundreds of queries and most of a
second; writing back the rows it made takes a few milliseconds. The setup
itself runs for real, once, inside a transaction that is rolled back, so
what a test gets is exactly what the setup writes. Rows go back with
explicit primary keys: the setup's own inserts already moved every
PostgreSQL sequence past them (a rollback leaves sequences where they are),
and SQLite's AUTOINCREMENT counts the explicit keys itself.
"""

from django.apps import apps
from django.db import connection, transaction


def _tables():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def _columns(model):
    if model._meta.parents:
        raise TypeError(f"{model._meta.label}: multi-table inheritance is not handled")
    return model._meta.local_concrete_fields


def _rows(model):
    """Every row of ``model``'s table as Python values, by primary key."""
    fields = _columns(model)
    pk = [field.attname for field in fields].index(model._meta.pk.attname)
    values = model._base_manager.order_by("pk").values_list(
        *(field.attname for field in fields)
    )
    return {row[pk]: row for row in values}


class RowSnapshot:
    def __init__(self, inserts):
        self._inserts = inserts  # [(sql, [params of each row])], table by table

    @classmethod
    def taken_after(cls, setup):
        """The rows ``setup()`` adds. A setup that changes or deletes rows
        already there cannot be replayed by inserting, and is refused."""
        models = _tables()
        with transaction.atomic():
            before = {model: _rows(model) for model in models}
            setup()
            inserts = []
            for model in models:
                after, existing = _rows(model), before[model]
                touched = [pk for pk, row in existing.items() if after.get(pk) != row]
                if touched:
                    raise RuntimeError(
                        f"{setup.__name__} changed or deleted rows of "
                        f"{model._meta.db_table} that were there before it "
                        f"(keys {touched[:5]}); a snapshot can only add rows"
                    )
                added = [row for pk, row in after.items() if pk not in existing]
                if added:
                    inserts.append(_insert(model, added))
            transaction.set_rollback(True)
        return cls(inserts)

    def restore(self):
        """Write the rows into the current database (in the test's
        transaction, or committed in a transactional test)."""
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, params in self._inserts:
                cursor.executemany(sql, params)

    @property
    def row_count(self):
        return sum(len(params) for _, params in self._inserts)


def _insert(model, rows):
    fields = _columns(model)
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    params = [
        tuple(
            field.get_db_prep_save(value, connection)
            for field, value in zip(fields, row, strict=True)
        )
        for row in rows
    ]
    return sql, params
