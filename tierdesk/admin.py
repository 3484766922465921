"""The administration's title."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("tierdesk administration")
admin.site.site_title = _("tierdesk")
