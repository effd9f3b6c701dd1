from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    """django-axes under our name in the admin's sidebar (its models' and
    fields' names are translated in locale/zh_Hans; English is its own)."""

    verbose_name = _("登录保护")
