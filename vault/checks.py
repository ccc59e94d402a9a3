"""System checks: every model with an encrypted field has the row identity its values are bound to,
and a QuerySet that writes them per row."""

from django.apps import apps
from django.core import checks

from vault.fields import ROW_FIELD, EncryptedTextField


@checks.register(checks.Tags.models)
def encrypted_models_have_a_row_identity(app_configs=None, **kwargs):
    errors = []
    configs = app_configs or apps.get_app_configs()
    for config in configs:
        for model in config.get_models():
            encrypted = [f for f in model._meta.local_concrete_fields if isinstance(f, EncryptedTextField)]
            if not encrypted:
                continue
            row = next((f for f in model._meta.local_concrete_fields if f.name == ROW_FIELD), None)
            if row is None or row.get_internal_type() != "UUIDField" or not row.unique or row.null:
                errors.append(checks.Error(
                    f"{model._meta.label} has encrypted fields ({', '.join(f.name for f in encrypted)}) "
                    f"but no unique, non-null UUIDField '{ROW_FIELD}' to bind them to their row.",
                    hint="Inherit from vault.models.RowIdentity.",
                    obj=model,
                    id="vault.E001",
                ))
            from vault.models import RowBoundQuerySet

            if not issubclass(getattr(model._default_manager, "_queryset_class", object), RowBoundQuerySet):
                errors.append(checks.Error(
                    f"{model._meta.label} has encrypted fields but its default manager's QuerySet is not a "
                    "vault.models.RowBoundQuerySet, so update() and bulk_update() cannot encrypt per row.",
                    hint="Base the model's QuerySet on vault.models.RowBoundQuerySet.",
                    obj=model,
                    id="vault.E002",
                ))
    return errors
