from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils.html import format_html
from rest_framework.exceptions import ValidationError as DRFValidationError
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from catalog import inventory
from catalog.models import (
    Category,
    Coupon,
    PriceHistory,
    Product,
    ProductImage,
    ProductVariant,
    Promotion,
    Review,
    StockMovement,
    Tag,
)
from catalog.services import images as image_services
from catalog.services.categories import category_tree_lock
from catalog.services.products import variant_price_changed
from catalog.services.reviews import review_set_visibility
from core.admin import ReadOnlyAdmin


class CategoryForm(movenodeform_factory(Category)):
    def clean(self):
        """
        Take the tree lock before treebeard moves anything, and check the move against the tree as
        it is now: the admin validates and saves in one transaction, so the lock covers both.
        """
        cleaned = super().clean()
        category_tree_lock()
        target = cleaned.get("treebeard_ref_node")
        if self.instance.pk and target is not None:
            node = Category.objects.filter(pk=self.instance.pk).first()
            target = Category.objects.filter(pk=target.pk).first()
            if node is None or target is None:
                raise forms.ValidationError("The category tree changed meanwhile; reload the page.")
            if target.pk == node.pk or target.is_descendant_of(node):
                raise forms.ValidationError(f"{target.name} is below {node.name} in the tree now; pick another place.")
        return cleaned


@admin.register(Category)
class CategoryAdmin(TreeAdmin):
    form = CategoryForm
    list_display = ("name", "slug", "product_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    @admin.display(description="products")
    def product_count(self, obj: Category) -> int:
        return obj.products.count()

    def move_node(self, request):
        """The drag-and-drop move, under the tree lock (treebeard re-reads both nodes and refuses a cycle)."""
        with transaction.atomic():
            category_tree_lock()
            return super().move_node(request)

    def delete_model(self, request, obj):
        with transaction.atomic():
            category_tree_lock()
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            category_tree_lock()
            super().delete_queryset(request, queryset)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


class VariantInline(admin.TabularInline):
    model = ProductVariant
    extra = 0
    fields = ("sku", "name", "attributes", "price", "stock_quantity", "reserved_quantity", "reorder_point",
              "reorder_quantity", "is_active")  # fmt: skip
    # Stock changes only through the inventory module: use the "Adjust stock" action on variants.
    readonly_fields = ("stock_quantity", "reserved_quantity")
    show_change_link = True


class ImageInlineForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ("image", "alt_text", "is_primary", "position")

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            try:
                image_services.product_image_check(image)
            except DRFValidationError as exc:
                raise forms.ValidationError(str(exc.detail["image"][0])) from None
        return image


class ImageInline(admin.TabularInline):
    """Uploads go through the same service as the API: validated, re-encoded without EXIF, with renditions."""

    model = ProductImage
    form = ImageInlineForm
    extra = 0
    fields = ("preview", "image", "alt_text", "is_primary", "position", "width", "height")
    readonly_fields = ("preview", "width", "height")

    @admin.display(description="preview")
    def preview(self, obj: ProductImage) -> str:
        source = obj.thumbnail or obj.image
        if not source:
            return "-"
        return format_html('<img src="{}" style="height:48px;border-radius:4px;" alt="">', source.url)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "brand", "category", "is_active", "created_at", "updated_at")
    list_filter = ("is_active", "category", "brand", "created_at")
    search_fields = ("name", "brand", "description", "variants__sku", "tags__name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("tags",)
    list_select_related = ("category",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [VariantInline, ImageInline]
    actions = ["activate", "deactivate"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "brand", "category", "tags", "is_active")}),
        ("Description", {"fields": ("description", "specifications")}),
        ("SEO", {"fields": ("meta_title", "meta_description"), "classes": ("collapse",)}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )

    def save_formset(self, request, form, formset, change):
        if formset.model is ProductImage:
            return self._save_images(formset)
        if formset.model is not ProductVariant:
            return super().save_formset(request, form, formset, change)
        old_prices = {f.instance.pk: f.initial.get("price") for f in formset.forms if f.instance.pk}
        super().save_formset(request, form, formset, change)
        for variant in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
            variant_price_changed(variant=variant, old_price=old_prices.get(variant.pk), actor=request.user)

    def _save_images(self, formset) -> None:
        formset.save(commit=False)
        for image in formset.deleted_objects:
            image_services.product_image_delete(image=image)
        for image_form in formset.forms:
            data = getattr(image_form, "cleaned_data", None)
            if not data or data.get("DELETE") or not image_form.has_changed():
                continue
            image, upload = image_form.instance, data.get("image")
            if isinstance(upload, UploadedFile):
                if image.pk:  # a new file for an existing row: replace the image
                    image_services.product_image_delete(image=ProductImage.objects.get(pk=image.pk))
                added = image_services.product_image_add(product=image.product, upload=upload,
                                                         alt_text=data.get("alt_text", ""),
                                                         is_primary=data.get("is_primary", False))  # fmt: skip
                image_services.product_image_update(image=added, position=data.get("position") or added.position)
            else:
                image_services.product_image_update(image=image, alt_text=data.get("alt_text", ""),
                                                    is_primary=data.get("is_primary"),
                                                    position=data.get("position"))  # fmt: skip

    @admin.action(description="Activate selected products", permissions=["change"])
    def activate(self, request, queryset):
        self.message_user(request, f"{queryset.update(is_active=True)} product(s) activated.", messages.SUCCESS)

    @admin.action(description="Deactivate selected products (hidden from the shop)", permissions=["change"])
    def deactivate(self, request, queryset):
        self.message_user(request, f"{queryset.update(is_active=False)} product(s) deactivated.", messages.SUCCESS)


class LowStockFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("low", "At or below reorder point"), ("out", "None available")]

    def queryset(self, request, queryset):
        available = F("stock_quantity") - F("reserved_quantity")
        if self.value() == "low":
            return queryset.alias(avail=available).filter(avail__lte=F("reorder_point"))
        if self.value() == "out":
            return queryset.alias(avail=available).filter(avail__lte=0)
        return queryset


class StockAdjustmentForm(ActionForm):
    delta = forms.IntegerField(required=False, help_text="Units to add (or remove, negative).")
    reason = forms.ChoiceField(choices=[("", "reason")] + [(r, r) for r in sorted(inventory.ADJUSTMENT_REASONS)],
                               required=False)  # fmt: skip
    note = forms.CharField(required=False, max_length=255)


@admin.register(ProductVariant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ("sku", "product", "name", "price", "stock_quantity", "reserved_quantity", "available_units",
                    "reorder_point", "is_low", "is_active")  # fmt: skip
    list_filter = (LowStockFilter, "is_active", "product__category")
    search_fields = ("sku", "name", "product__name", "product__brand")
    list_select_related = ("product",)
    readonly_fields = ("stock_quantity", "reserved_quantity", "low_stock_notified_at", "created_at", "updated_at")
    raw_id_fields = ("product",)
    action_form = StockAdjustmentForm
    actions = ["adjust_stock"]

    @admin.display(description="available")
    def available_units(self, obj: ProductVariant) -> int:
        return obj.available

    @admin.display(description="low", boolean=True)
    def is_low(self, obj: ProductVariant) -> bool:
        return obj.available <= obj.reorder_point

    def save_model(self, request, obj, form, change):
        old_price = form.initial.get("price") if change else None
        super().save_model(request, obj, form, change)
        variant_price_changed(variant=obj, old_price=old_price, actor=request.user)

    @admin.action(description="Adjust stock of selected variants (delta, reason, note above)", permissions=["change"])
    def adjust_stock(self, request, queryset):
        delta, reason = request.POST.get("delta"), request.POST.get("reason")
        if not delta or not reason:
            self.message_user(request, "Give a delta and a reason to adjust stock.", messages.ERROR)
            return
        done = 0
        for variant in queryset:
            try:
                inventory.stock_adjust(variant_id=variant.pk, delta=int(delta), reason=reason, actor=request.user,
                                       note=request.POST.get("note", ""))  # fmt: skip
                done += 1
            except (inventory.InvalidStockChange, ValueError) as exc:
                self.message_user(request, f"{variant.sku}: {exc}", messages.ERROR)
        if done:
            self.message_user(request, f"Stock adjusted for {done} variant(s).", messages.SUCCESS)


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "variant", "reason", "delta", "reserved_delta", "order_id", "repair_id", "actor",
                    "note")  # fmt: skip
    list_filter = ("reason", "created_at")
    search_fields = ("variant__sku", "variant__product__name", "note", "order_id", "repair_id")
    date_hierarchy = "created_at"
    list_select_related = ("variant", "actor")


@admin.register(PriceHistory)
class PriceHistoryAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "variant", "old_price", "new_price", "changed_by")
    search_fields = ("variant__sku", "variant__product__name")
    date_hierarchy = "changed_at"
    list_select_related = ("variant", "changed_by")


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "value", "starts_at", "ends_at", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    filter_horizontal = ("products", "categories")


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "value", "min_subtotal", "times_used", "max_uses", "starts_at", "ends_at",
                    "is_active")  # fmt: skip
    list_filter = ("kind", "is_active")
    search_fields = ("code",)
    readonly_fields = ("times_used", "created_at")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """
    Moderation only: staff hide or show what customers wrote, never rewrite it. Every change of
    visibility goes through `review_set_visibility`, so the product's rating follows.
    """

    list_display = ("product", "author", "rating", "visible", "verified", "created_at")
    list_filter = ("rating", "is_visible")
    search_fields = ("product__name", "user__email", "title")
    list_select_related = ("product", "user")
    fields = ("product", "user", "rating", "title", "body", "verified_purchase", "is_visible", "created_at",
              "updated_at")  # fmt: skip
    readonly_fields = ("product", "user", "rating", "title", "body", "verified_purchase", "created_at", "updated_at")
    date_hierarchy = "created_at"
    actions = ["hide", "show"]

    @admin.display(description="author", ordering="user__email")
    def author(self, obj: Review) -> str:
        return obj.user.email

    @admin.display(description="visible", boolean=True, ordering="is_visible")
    def visible(self, obj: Review) -> bool:
        return obj.is_visible

    @admin.display(description="verified", boolean=True, ordering="verified_purchase")
    def verified(self, obj: Review) -> bool:
        return obj.verified_purchase

    def has_add_permission(self, request):
        return False  # reviews come from customers who bought the product, through the API

    def has_delete_permission(self, request, obj=None):
        return False  # a deleted review would leave the product's rating stale: hide it instead

    def save_model(self, request, obj, form, change):
        review_set_visibility(review=obj, is_visible=form.cleaned_data["is_visible"])

    def _set_visibility(self, request, queryset, *, is_visible: bool) -> int:
        reviews = list(queryset.select_related("product"))
        for review in reviews:
            review_set_visibility(review=review, is_visible=is_visible)
        return len(reviews)

    @admin.action(description="Hide selected reviews (the rating no longer counts them)", permissions=["change"])
    def hide(self, request, queryset):
        self.message_user(request, f"{self._set_visibility(request, queryset, is_visible=False)} review(s) hidden.",
                          messages.SUCCESS)  # fmt: skip

    @admin.action(description="Show selected reviews again", permissions=["change"])
    def show(self, request, queryset):
        self.message_user(request, f"{self._set_visibility(request, queryset, is_visible=True)} review(s) shown.",
                          messages.SUCCESS)  # fmt: skip
