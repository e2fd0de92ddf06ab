from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PeergroupsConfig(AppConfig):
    name = "peergroups"
    verbose_name = "peergroups"


class OfficeAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the office's own site as the default."""

    default = False
    default_site = "peergroups.admin.OfficeAdminSite"
