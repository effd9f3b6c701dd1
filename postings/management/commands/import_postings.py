"""`manage.py import_postings FILE [--check] [--as USERNAME]`: the admin's
table import on the command line, with the same engine and rules."""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from postings.importers import plans, tables


class Progress:
    """A one-line progress bar on standard error, for long files."""

    def __init__(self, stream, label):
        self.stream, self.label, self.started = stream, label, time.monotonic()

    def __call__(self, done):
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed else 0
        self.stream.write(
            f"\r{self.label} {done:>7,} 行  {rate:,.0f} 行/秒",
            ending="",
        )
        self.stream.flush()

    def finish(self):
        self.stream.write("")


class Command(BaseCommand):
    help = (
        "Import a recruitment table (.xlsx or CSV in the export's columns, or a "
        "Bank of China text table): all or nothing, and importing the same file "
        "again changes nothing. Every change is recorded in the history."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--check",
            action="store_true",
            help="Show what would change (the preview) without writing anything.",
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="Import as this HR user: their institutions bound what may change, "
            "and the history names them. Without it the import is the system's.",
        )

    def handle(self, *args, file, check, username, verbosity=1, **options):
        user = self._user(username)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"无法读取 {file}：{error.strerror}") from error
        try:
            table = tables.read(file.name, data, header_names=plans.UPLOAD_HEADERS)
        except tables.TableError as error:
            raise CommandError(f"未导入任何内容。{error.message}") from error
        for note in table.notes:
            self.stdout.write(f"  {note}")

        progress = Progress(self.stderr, "预览") if verbosity >= 1 else None
        importer = plans.Importer(table, user=user)
        if importer.missing:
            raise CommandError(plans.missing_message(importer.missing))
        errors = 0
        try:
            for index, plan in enumerate(importer.plan(), start=1):
                if progress and index % plans.CHUNK == 0:
                    progress(index)
                if plan.outcome == "error":
                    errors += 1
                    for error in plan.errors:
                        self.stderr.write(
                            f"第 {plan.number} 行 {error['column']}：{error['message']}"
                        )
                elif plan.outcome != "unchanged" and (check or verbosity >= 2):
                    self._show(plan)
        except tables.TableError as error:
            raise CommandError(f"未导入任何内容。{error.message}") from error
        if progress:
            progress(sum(importer.counts.values()))
            progress.finish()
        counts = importer.counts
        summary = (
            f"新建 {counts['new']}，修改 {counts['changed']}，未变 "
            f"{counts['unchanged']}，错误 {counts['error']}"
        )
        if errors:
            raise CommandError(f"有 {errors} 行错误，未导入任何内容。{summary}")
        if check:
            self.stdout.write(self.style.SUCCESS(f"预览（未写入）：{summary}"))
            return
        if not (counts["new"] or counts["changed"]):
            self.stdout.write(self.style.SUCCESS(f"没有需要导入的变化。{summary}"))
            return

        progress = Progress(self.stderr, "导入") if verbosity >= 1 else None
        table = tables.read(file.name, data, header_names=plans.UPLOAD_HEADERS)
        try:
            result = plans.Importer(table, user=user).apply(
                expected_digest=importer.digest, progress=progress
            )
        except (plans.ImportRefused, tables.TableError, DatabaseError) as error:
            message = getattr(error, "message", None) or error.args[0]
            raise CommandError(f"未导入任何内容。{message}") from error
        if progress:
            progress.finish()
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"已导入 {file.name}：新建 {counts['new']}，修改 {counts['changed']}，"
                f"未变 {counts['unchanged']}。历史记录原因：“{importer.reason}”。"
            )
        )

    def _user(self, username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户“{username}”。")
        if not (
            user.is_superuser
            or (
                user.is_active
                and user.has_perm("postings.add_posting")
                and user.has_perm("postings.change_posting")
            )
        ):
            raise CommandError(
                f"用户“{username}”没有新建和修改岗位的权限（招聘专员不能导入）。"
            )
        return user

    def _show(self, plan):
        label = "新建" if plan.outcome == "new" else f"修改 编号 {plan.posting_id}"
        self.stdout.write(f"第 {plan.number} 行 {label}：{plan.title}")
        for change in plan.changes:
            if plan.outcome == "new":
                self.stdout.write(f"    {change['field']}：{change['new']}")
            else:
                old = change["old"].replace("\n", " ")
                new = change["new"].replace("\n", " ")
                self.stdout.write(f"    {change['field']}：{old} → {new}")
