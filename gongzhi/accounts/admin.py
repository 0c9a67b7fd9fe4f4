from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from gongzhi.accounts.models import AccessLog, Unit, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "scope", "unit", "is_active"]
    list_filter = ["groups", "is_active"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("共治", {"fields": ["display_name", "phone", "scope", "unit"]}),
    ]
    autocomplete_fields = ["scope", "unit"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "subdistrict", "active"]
    list_filter = ["kind", "active", "subdistrict"]
    search_fields = ["name"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "action", "object_type", "object_id", "reason", "ip"]
    list_filter = ["action", "object_type"]

    # Audit rows are written by the code that reads or exports, never by hand (issue 12).
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
