"""The HR roles as groups with model permissions; which institutions a user
may work with is stored per user (InstitutionAccess), see postings.access."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_GROUP = "HR 编辑"
RECRUITER_GROUP = "招聘专员"

# model -> actions an HR editor may take; recruiters only view.
EDITOR_PERMISSIONS = {
    "posting": ["add", "change", "delete", "view"],
    "duty": ["add", "change", "delete", "view"],
    "requirement": ["add", "change", "delete", "view"],
    "postinglocation": ["add", "change", "delete", "view"],
    "postingcertificate": ["add", "change", "delete", "view"],
    "department": ["add", "change", "view"],
    "institution": ["change", "view"],
    "location": ["add", "view"],
    "certificate": ["add", "view"],
    "roledescription": ["view"],
    "departmentdescription": ["view"],
}
RECRUITER_MODELS = [
    "posting",
    "duty",
    "requirement",
    "postinglocation",
    "postingcertificate",
    "department",
    "institution",
    "location",
    "certificate",
    "roledescription",
    "departmentdescription",
]


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure the
    # ones these groups need exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(codenames):
        found = list(Permission.objects.filter(content_type__app_label="postings", codename__in=codenames))
        missing = set(codenames) - {p.codename for p in found}
        if missing:
            raise RuntimeError(f"missing permissions: {sorted(missing)}")
        return found

    editor, _ = Group.objects.get_or_create(name=EDITOR_GROUP)
    editor.permissions.set(
        permissions([f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS.items() for action in actions])
    )
    recruiter, _ = Group.objects.get_or_create(name=RECRUITER_GROUP)
    recruiter.permissions.set(permissions([f"view_{model}" for model in RECRUITER_MODELS]))


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITOR_GROUP, RECRUITER_GROUP]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("postings", "0003_history_and_institution_access"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
