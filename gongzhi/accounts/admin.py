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
    # Roles are granted by the security administrator on its own page (services.grant_role:
    # 三员分立, no self-grant, audited), never here.
    readonly_fields = ["groups", "user_permissions", "is_superuser", "last_login", "date_joined"]
    filter_horizontal = ()


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "subdistrict", "active", "successor", "retired_on"]
    list_filter = ["kind", "active", "subdistrict"]
    search_fields = ["name", "aliases"]
    autocomplete_fields = ["successor"]

    def save_model(self, request, obj, form, change):
        """Switching a unit off (with or without a successor) is the retire service: checked,
        scoped and on the audit trail; everything else saves as usual."""
        from django.utils import timezone

        from gongzhi.accounts.services import retire_unit

        retiring = change and form.initial.get("active") and not obj.active
        if not retiring:
            return super().save_model(request, obj, form, change)
        successor, on = obj.successor, obj.retired_on or timezone.localdate()
        obj.active, obj.successor, obj.retired_on = True, None, None
        super().save_model(request, obj, form, change)
        retire_unit(unit=obj, successor=successor, on=on, actor=request.user)


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
