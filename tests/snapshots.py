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
    def __init__(self, tables):
        self._tables = tables  # [_Table], in the order they were read

    @classmethod
    def taken_after(cls, setup):
        """The rows ``setup()`` adds. A setup that changes or deletes rows
        already there cannot be replayed by inserting, and is refused."""
        models = _tables()
        with transaction.atomic():
            before = {model: _rows(model) for model in models}
            setup()
            tables = []
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
                    tables.append(_Table(model, added))
            transaction.set_rollback(True)
        return cls(tables)

    def restore(self):
        """Write the rows into the current database (in the test's
        transaction, or committed in a transactional test)."""
        with transaction.atomic(), connection.cursor() as cursor:
            for table in self._tables:
                table.write(cursor)


class _Table:
    """One table's rows, made ready for the database once."""

    def __init__(self, model, rows):
        fields = _columns(model)
        quote = connection.ops.quote_name
        self.name = quote(model._meta.db_table)
        self.columns = ", ".join(quote(field.column) for field in fields)
        self.rows = [
            [
                field.get_db_prep_save(value, connection)
                for field, value in zip(fields, row, strict=True)
            ]
            for row in rows
        ]

    def write(self, cursor):
        if connection.vendor == "postgresql":
            # COPY: the rows in one stream, adapted in C; INSERT statements
            # would spend longer quoting the values than writing them.
            with cursor.copy(f"COPY {self.name} ({self.columns}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
            return
        width = len(self.rows[0])
        per_statement = max(1, connection.features.max_query_params // width)
        one_row = "({})".format(", ".join(["%s"] * width))
        for start in range(0, len(self.rows), per_statement):
            batch = self.rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {self.name} ({self.columns}) VALUES "
                + ", ".join([one_row] * len(batch)),
                [value for row in batch for value in row],
            )
