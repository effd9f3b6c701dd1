from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class PostingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "postings"
    verbose_name = pgettext_lazy("application name", "招聘岗位")

    def ready(self):
        from . import changes

        changes.connect_signals()
