from django.apps import AppConfig


class PostingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "postings"
    verbose_name = "招聘岗位"

    def ready(self):
        from . import changes

        changes.connect_signals()
