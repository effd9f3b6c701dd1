import getpass
import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from postings.access import EDITOR, RECRUITER, ROLE_GROUPS
from postings.models import Institution, InstitutionAccess


def find_institution(name):
    """An institution by name, or by its path: "中国银行/新疆区分行"."""
    parts = [part.strip() for part in name.replace("·", "/").split("/") if part.strip()]
    if not parts:
        raise CommandError("--institution needs a name")
    candidates = Institution.objects.filter(name=parts[-1]).select_related(
        "parent__parent"
    )
    matches = [
        i for i in candidates if [n.name for n in i.lineage()][-len(parts) :] == parts
    ]
    if not matches:
        raise CommandError(f"No institution named {name!r}.")
    if len(matches) > 1:
        options = "; ".join(" / ".join(n.name for n in i.lineage()) for i in matches)
        raise CommandError(f"{name!r} is ambiguous; give its path, one of: {options}")
    return matches[0]


class Command(BaseCommand):
    help = (
        "Create or update an HR staff account bound to one or more institutions "
        "(and everything below them). Editors change postings; recruiters view "
        "and export them."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--institution",
            action="append",
            required=True,
            help='Name or path, e.g. "中国银行/新疆区分行"; repeat for several.',
        )
        parser.add_argument("--role", choices=[EDITOR, RECRUITER], default=EDITOR)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-from-stdin",
            action="store_true",
            help="Read the password from standard input instead of prompting.",
        )
        parser.add_argument(
            "--generate-password",
            action="store_true",
            help="Generate a password and print it once (default without a terminal).",
        )

    def handle(self, *args, username, institution, role, email, **options):
        institutions = [find_institution(name) for name in institution]
        password, generated = self.choose_password(username, options)

        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(username=username)
            user.is_staff = True
            user.is_active = True
            if email:
                user.email = email
            if password:
                user.set_password(password)
            user.save()
            user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUPS.values()))
            user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
            user.institution_access.all().delete()
            InstitutionAccess.objects.bulk_create(
                InstitutionAccess(user=user, institution=i) for i in institutions
            )

        where = "、".join(str(i) for i in institutions)
        verb = "Created" if created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {username}: {ROLE_GROUPS[role]} for {where}.")
        )
        if generated:
            self.stdout.write(f"Password (shown once): {password}")

    def choose_password(self, username, options):
        """(password, whether it was generated); prompts on a terminal."""
        if options["password_from_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        elif options["generate_password"] or not sys.stdin.isatty():
            return secrets.token_urlsafe(18), True
        else:
            password = getpass.getpass(f"Password for {username}: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        return password, False
