"""CSV/XLSX exports of contacts and consent history (django-import-export)."""

from import_export import fields, resources

from consents.models import ConsentEvent, Contact


class ContactResource(resources.ModelResource):
    class Meta:
        model = Contact
        fields = ("id", "email", "phone", "external_id", "email_permission", "sms_permission",
                  "call_permission", "attributes", "created_at", "updated_at")
        export_order = fields


class ConsentEventResource(resources.ModelResource):
    contact = fields.Field(attribute="contact", column_name="contact")
    consent_status = fields.Field(attribute="consent__status", column_name="consent_status")

    class Meta:
        model = ConsentEvent
        fields = ("id", "created_at", "contact", "kind", "field", "before", "after",
                  "consent_status", "origin", "origin_reference", "row_number", "actor_label")
        export_order = fields
