"""Forms for the case pages. They parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.cases import selectors
from gongzhi.cases.models import Category, Rating, Source, Status, Tier
from gongzhi.territory.models import Area, AreaKind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("照片"))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def category_choices() -> list:
    tree: dict[Category, list[Category]] = {}
    for category in Category.objects.filter(active=True).select_related("parent").order_by("sort", "code"):
        if category.parent_id:
            tree.setdefault(category.parent, []).append(category)
    return [("", _("—— 请选择类别 ——"))] + [
        (top.name, [(c.pk, c.name) for c in leaves]) for top, leaves in tree.items()
    ]


class CategorySelect(forms.Select):
    """A category select whose options carry the keywords, for the search box (category-search.js)."""

    def __init__(self, *args, keywords: dict[int, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.keywords = keywords or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        words = self.keywords.get(getattr(value, "value", value))
        if words:
            option["attrs"]["data-keywords"] = words
        return option


def public_category_choices(categories: list[Category]) -> list:
    """The public form's categories grouped by their class, the groups in the order of their first
    category (the deployment's order: the community's own first)."""
    groups: dict[Category, list[Category]] = {}
    for category in categories:
        groups.setdefault(category.parent, []).append(category)
    return [("", _("—— 请选择类别 ——"))] + [
        (top.name, [(c.pk, c.name) for c in leaves]) for top, leaves in groups.items()
    ]


class CategoryField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=Category.objects.filter(active=True, parent__isnull=False), label=_("类别"), **kwargs
        )


class LocationMixin(forms.Form):
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)


class StaffIntakeForm(LocationMixin):
    source = forms.ChoiceField(
        label=_("来源"), choices=[c for c in Source.choices if c[0] not in ("web", "open311", "onsite")]
    )
    category = CategoryField()
    title = forms.CharField(label=_("标题"), max_length=120)
    description = forms.CharField(
        label=_("问题描述"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    area = forms.ModelChoiceField(label=_("所在区域"), queryset=Area.objects.none(), required=False)
    reporter_name = forms.CharField(label=_("反映人"), max_length=40, required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    photos = PhotosField()

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        if areas is not None:
            self.fields["area"].queryset = areas
            self.fields["area"].label_from_instance = lambda a: (
                f"{'　' * max(a.depth - 1, 0)}{a.name}（{a.kind_label}）"
            )


class PublicReportForm(LocationMixin):
    category = CategoryField(widget=CategorySelect)
    title = forms.CharField(label=_("一句话说明问题"), max_length=120)
    description = forms.CharField(
        label=_("详细描述"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    area = forms.ModelChoiceField(label=_("所在居民区"), queryset=Area.objects.none(), required=False)
    reporter_name = forms.CharField(label=_("您的称呼"), max_length=40, required=False)
    reporter_phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    photos = PhotosField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = list(selectors.public_categories())
        field = self.fields["category"]
        # Only what the deployment offers the public is accepted, not merely shown.
        field.queryset = Category.objects.filter(pk__in=[c.pk for c in offered])
        field.choices = public_category_choices(offered)
        field.widget.keywords = {c.pk: f"{c.parent.name} {c.keywords}".strip() for c in offered}
        self.fields["area"].queryset = (
            Area.objects.filter(kind=AreaKind.NEIGHBOURHOOD).select_related("subdistrict").order_by("path")
        )
        self.fields["area"].label_from_instance = lambda a: (
            f"{a.subdistrict.name if a.subdistrict else ''} · {a.name}"
        )


class TrackForm(forms.Form):
    number = forms.CharField(label=_("工单编号"), max_length=24)
    phone_last4 = forms.CharField(
        label=_("手机号后四位"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("您对办理结果的评价"), choices=Rating.choices, widget=forms.RadioSelect
    )
    solved = forms.TypedChoiceField(
        label=_("问题解决了吗？"),
        choices=[("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("意见（可选）"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class OptionalNoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明（可选）"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class UnitCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes grouped by the kind of unit, with a search box over them (unit-picker.js): the
    consultation form picks a few of some forty units."""

    template_name = "cases/widgets/unit_checkboxes.html"


def grouped_units(units) -> list:
    """Units as choices grouped by their kind (in the kinds' order), by name within a kind."""
    groups: dict[str, list] = {}
    labels = dict(UnitKind.choices)
    order = {kind: index for index, kind in enumerate(labels)}
    for unit in sorted(units, key=lambda u: (order.get(u.kind, 99), u.name)):
        groups.setdefault(str(labels.get(unit.kind, unit.kind)), []).append((unit.pk, unit.name))
    return list(groups.items())


class UnitChoiceMixin:
    def limit_units(self, subdistrict_id: int) -> None:
        units = Unit.objects.filter(subdistrict_id=subdistrict_id, active=True)
        grouped = None
        for name in ("unit", "lead_unit", "participants", "co_units"):
            if name in self.fields:
                self.fields[name].queryset = units
                if isinstance(self.fields[name].widget, UnitCheckboxes):
                    grouped = grouped if grouped is not None else grouped_units(units)
                    self.fields[name].choices = grouped


class AssignForm(UnitChoiceMixin, forms.Form):
    tier = forms.TypedChoiceField(label=_("层级"), choices=Tier.choices, coerce=int)
    unit = forms.ModelChoiceField(label=_("承办单位"), queryset=Unit.objects.none())
    note = forms.CharField(
        label=_("派遣说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EscalateForm(UnitChoiceMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label=_("升级后承办单位（可选）"), queryset=Unit.objects.none(), required=False
    )
    note = forms.CharField(label=_("升级理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class MeetingForm(UnitChoiceMixin, forms.Form):
    held_on = forms.DateField(
        label=_("会商日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("参会单位"), queryset=Unit.objects.none(), widget=UnitCheckboxes
    )
    lead_unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=Unit.objects.none())
    co_units = forms.ModelMultipleChoiceField(
        label=_("协办单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=UnitCheckboxes,
    )
    note = forms.CharField(label=_("会商决定"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    note = forms.CharField(
        label=_("办理结果（将告知反映人）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField()


class VerifyForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("核查结论"),
        choices=[("1", _("通过")), ("0", _("未通过，退回处置"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("核查情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField()


class OnsiteCheckForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("抽查结论"),
        choices=[("1", _("合格，问题已解决")), ("0", _("不合格"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("抽查情况"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("如：电话回访居民，楼道已清空")}),
    )


class OnsiteForm(LocationMixin):
    """现场即办: one step on a phone — what was found, what was done, photos before and after."""

    category = CategoryField()
    title = forms.CharField(label=_("标题"), max_length=120)
    found = forms.CharField(
        label=_("发现的问题"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如：3号楼2单元楼道堆放纸箱，堵塞通道")}),
    )
    done = forms.CharField(
        label=_("现场处置情况"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如：联系住户当场清理，通道已畅通")}),
    )
    area = forms.ModelChoiceField(label=_("所在区域"), queryset=Area.objects.none(), required=False)
    photos_before = PhotosField(label=_("处置前照片"))
    photos_after = PhotosField(label=_("处置后照片"))

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        if areas is not None:
            self.fields["area"].queryset = areas
            self.fields["area"].label_from_instance = lambda a: (
                f"{'　' * max(a.depth - 1, 0)}{a.name}（{a.kind_label}）"
            )


class ApproveForm(forms.Form):
    approved = forms.TypedChoiceField(
        label=_("审批"),
        choices=[("1", _("批准挂起")), ("0", _("不批准"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("审批意见"), max_length=500, required=False)


class MergeForm(forms.Form):
    master = forms.CharField(label=_("主工单编号"), max_length=24)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class PhoneRatingForm(RatingForm):
    pass


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("open", _("未办结")), ("any", _("全部"))] + list(Status.choices),
    )
    category = forms.TypedChoiceField(label=_("类别"), required=False, coerce=int, empty_value=None)
    area = forms.TypedChoiceField(label=_("区域"), required=False, coerce=int, empty_value=None)
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部"))] + list(Source.choices)
    )
    tier = forms.TypedChoiceField(
        label=_("层级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部"))] + list(Tier.choices),
    )
    since = forms.DateField(
        label=_("起"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("止"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label=_("仅超时"), required=False)
    q = forms.CharField(label=_("搜索"), required=False, max_length=60)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        tops = Category.objects.filter(active=True, parent__isnull=True).order_by("sort", "code")
        self.fields["category"].choices = [("", _("全部"))] + [(c.pk, c.name) for c in tops]
        self.fields["area"].choices = [("", _("全部"))] + [(a.pk, a.name) for a in (areas or [])]


class ReclassifyForm(forms.Form):
    """Reclassification (dispatchers) and the request for it (the unit handling the case)."""

    category = CategoryField()
    note = forms.CharField(
        label=_("改类理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}), required=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["category"].label = _("正确的类别")
