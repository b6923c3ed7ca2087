"""What every API view shares: the request's language and the one visibility rule."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import mixins, serializers, viewsets

from aftersales.accounts import policy
from aftersales.api.errors import request_language
from aftersales.api.fields import DateTimeField
from aftersales.core.errors import NotAllowed
from aftersales.timeline.services import record_saved, snapshot


class LanguageMixin:
    """Speak the request's language: from `?lang=`/Accept-Language before authentication (so
    a refused login is answered in it), then from the user's setting once the user is known
    (the token's user included), before permissions are checked."""

    def initial(self, request, *args, **kwargs):
        translation.activate(request_language(request))
        super().initial(request, *args, **kwargs)

    def perform_authentication(self, request):
        super().perform_authentication(request)
        translation.activate(request_language(request, request.user))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response


class ReadOnlyViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    pass


def is_administrator(user) -> bool:
    if user.is_authenticated and user.is_active and user.is_superuser:
        return True
    return policy.allowed(user, "api.master_data")


class MasterDataViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnlyViewSet):
    """Master data: read as the rows' visibility allows, created and changed (PATCH) by
    administrators only. Nothing is deleted here: a row is retired with `is_active: false`,
    as cases and contracts keep referring to it."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        _require_administrator(request.user)
        return super().create(request, *args, **kwargs)

    def partial_update(self, request, *args, **kwargs):
        self.get_object()  # a row the user may not see is not found, whatever the role
        _require_administrator(request.user)
        return super().partial_update(request, *args, **kwargs)

    # Every master-data write is on the row's timeline: what changed, by whom.
    @transaction.atomic
    def perform_create(self, serializer):
        serializer.save()
        record_saved(serializer.instance, actor=self.request.user, before=None)

    @transaction.atomic
    def perform_update(self, serializer):
        before = snapshot(serializer.instance)
        serializer.save()
        record_saved(serializer.instance, actor=self.request.user, before=before)


def _require_administrator(user) -> None:
    if not is_administrator(user):
        raise NotAllowed(_("Only administrators may change master data."))


class CleanedModelSerializer(serializers.ModelSerializer):
    """A write is checked by the model's own rules (`full_clean`: field validators, `clean()`,
    unique constraints) and refused field by field; values the model normalises (phone numbers,
    serial numbers) are stored as the model normalises them. Date-times out of range are a
    field error (`aftersales.api.fields.DateTimeField`)."""

    serializer_field_mapping = serializers.ModelSerializer.serializer_field_mapping | {
        models.DateTimeField: DateTimeField
    }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = copy.copy(self.instance) if self.instance is not None else model()
        plain = {name: value for name, value in attrs.items() if not model._meta.get_field(name).many_to_many}
        for name, value in plain.items():
            setattr(instance, name, value)
        writable = {field.source for field in self._writable_fields}
        excluded = [f.name for f in model._meta.concrete_fields if f.name not in writable]
        try:
            instance.full_clean(exclude=excluded)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        return attrs | {name: getattr(instance, name) for name in plain}
