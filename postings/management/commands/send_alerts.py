from django.core.management.base import BaseCommand, CommandError

from postings.alerts import mail
from postings.models import AlertSubscription


class Command(BaseCommand):
    help = (
        "Mail each confirmed job-alert subscription the new matching open postings "
        "since its last mailing: daily subscriptions once a day, weekly ones once a "
        "week. Safe to run as often as you like (e.g. from cron every morning): a "
        "posting is never announced twice to a subscription, and mails left unsent "
        "by an earlier run (a crash, a failing mail server) are sent now. Exits "
        "with status 1 when some mails could not be sent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--frequency",
            choices=AlertSubscription.Frequency.values,
            help="Only prepare digests of subscriptions with this frequency "
            "(unsent digests of any frequency are still sent).",
        )

    def handle(self, *args, frequency=None, **options):
        report = mail.run(frequency=frequency)
        for subscription in report.invalid:
            self.stderr.write(
                f"Subscription {subscription.pk} ({subscription.description}) "
                f"skipped: its search no longer validates: {subscription.query}"
            )
        self.stdout.write(
            f"Purged {report.purged} expired unconfirmed subscriptions; "
            f"prepared {report.prepared} digests; sent {report.sent}, "
            f"failed {report.failed}, dropped {report.abandoned}."
        )
        if report.abandoned:
            self.stderr.write(
                f"{report.abandoned} digests were dropped: their subscription ended, "
                "or the mail server refused them for good (see 订阅邮件 in the admin)."
            )
        if report.stopped:
            raise CommandError(
                f"The mail server failed ({report.stopped}); unsent digests are "
                "kept and the next run sends them."
            )
        if report.failed:
            raise CommandError(
                f"{report.failed} digests could not be sent; the next run retries them."
            )
