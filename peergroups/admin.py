from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class OfficeAdminSite(admin.AdminSite):
    site_header = _("peergroups office")
    site_title = _("peergroups office")
    index_title = _("Office dashboard")
