"""Monitoring alarms: `POST /api/v1/alarms/`, for the integration user of an alarm source.
Every write is a call to `aftersales.monitoring.services.receive_alarm`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response

from aftersales.api.base import LanguageMixin
from aftersales.api.fields import DateTimeField, IdField
from aftersales.api.tokens import TokenScope
from aftersales.monitoring.models import Alarm
from aftersales.monitoring.services import DUPLICATE, receive_alarm, source_for

ALARM_ACTIONS = [*Alarm.Action.values, DUPLICATE]


class AlarmSerializer(serializers.Serializer):
    """One alarm event. The equipment by serial number, or by site and host name; a raise
    carries `raised_at`, a clear `cleared_at` (and may repeat the raise's `raised_at`)."""

    serial_number = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    site = IdField(required=False, allow_null=True, default=None, help_text=_("The site's id, with `host_name`."))
    host_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    alarm_id = serializers.CharField(max_length=200, help_text=_("The monitoring system's own id of the alarm."))
    severity = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        default="",
        help_text=_("As the monitoring system says it (critical, major, …); mapped to a case severity."),
    )
    text = serializers.CharField(required=False, allow_blank=True, max_length=20000, default="")
    raised_at = DateTimeField(required=False, allow_null=True, default=None)
    cleared_at = DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, data):
        errors = {}
        if not data["serial_number"].strip():
            if data["site"] is None:
                errors["serial_number"] = [_("Give the serial number, or the site and host name.")]
            if not data["host_name"].strip():
                errors["host_name"] = [_("Give the host name together with the site.")]
        if data["raised_at"] is None and data["cleared_at"] is None:
            errors["raised_at"] = [_("Give raised_at for a raise or cleared_at for a clear.")]
        elif data["cleared_at"] is None and not (data["text"].strip() or data["severity"].strip()):
            errors["text"] = [_("Describe the alarm.")]
        if not data["alarm_id"].strip():
            errors["alarm_id"] = [_("This field may not be blank.")]
        if errors:
            raise serializers.ValidationError(errors)
        return data


class AlarmReceiptSerializer(serializers.Serializer):
    alarm = serializers.IntegerField(
        help_text=_("The id of the recorded alarm event (the first one, for a duplicate).")
    )
    case = serializers.CharField(allow_null=True, help_text=_("The case number, if the alarm belongs to a case."))
    created = serializers.BooleanField(help_text=_("False when this event had been received before."))
    action = serializers.ChoiceField(choices=ALARM_ACTIONS)


class IsAlarmSource(permissions.BasePermission):
    """Only the API user of an active alarm source posts alarms; customers never."""

    message = _("Only the integration user of a monitoring source may post alarms.")

    def has_permission(self, request, view) -> bool:
        view.alarm_source = source_for(request.user)
        return view.alarm_source is not None


@extend_schema(
    request=AlarmSerializer,
    responses={201: AlarmReceiptSerializer, 200: AlarmReceiptSerializer},
    summary="Receive a monitoring alarm (raise or clear)",
    description=(
        "201 when the event is new (action opened, added, cleared or resolved); 200 with action "
        "duplicate when the same event (source, alarm id, raised or cleared time) came before."
    ),
    examples=[
        OpenApiExample(
            "Raise",
            request_only=True,
            value={
                "serial_number": "FOC1234X0AB",
                "alarm_id": "zbx-884211",
                "severity": "critical",
                "text": "Trunk group 3 down",
                "raised_at": "2026-11-22T09:15:00+08:00",
            },
        ),
        OpenApiExample(
            "Clear",
            request_only=True,
            value={
                "site": 12,
                "host_name": "pbx-main",
                "alarm_id": "zbx-884211",
                "cleared_at": "2026-11-22T09:42:00+08:00",
            },
        ),
    ],
)
class AlarmViewSet(LanguageMixin, viewsets.GenericViewSet):
    serializer_class = AlarmSerializer
    permission_classes = [permissions.IsAuthenticated, TokenScope, IsAlarmSource]
    http_method_names = ["post", "options"]

    def create(self, request, *args, **kwargs):
        body = AlarmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        receipt = receive_alarm(
            source=self.alarm_source,
            alarm_id=data["alarm_id"],
            severity=data["severity"],
            text=data["text"],
            raised_at=data["raised_at"],
            cleared_at=data["cleared_at"],
            serial_number=data["serial_number"],
            site_id=data["site"],
            host_name=data["host_name"],
            payload=request.data if isinstance(request.data, dict) else {},
        )
        answer = {
            "alarm": receipt.alarm.pk,
            "case": receipt.case.number if receipt.case is not None else None,
            "created": receipt.created,
            "action": receipt.action,
        }
        return Response(answer, status=status.HTTP_201_CREATED if receipt.created else status.HTTP_200_OK)
