from axes.apps import AppConfig as AxesAppConfig


class AxesConfig(AxesAppConfig):
    """django-axes under a Chinese name in the admin's sidebar (its models'
    and fields' names are translated in locale/zh_Hans)."""

    verbose_name = "登录保护"
