from __future__ import annotations

from typing import Any

from rest_framework import serializers

from llmops.restapi.strict import StrictInputSerializer
from llmops.webhooks import events


class WebhookCreateInput(StrictInputSerializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=events.choices()), min_length=1
    )


class WebhookOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class WebhookCreatedOutput(WebhookOutput):
    secret = serializers.CharField(help_text="Signs every payload; shown only here.")


class AttemptOutput(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    attempted_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    duration_ms = serializers.FloatField()


class DeliveryOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    event = serializers.CharField()
    state = serializers.CharField()
    attempt_count = serializers.IntegerField()
    payload = serializers.DictField()
    created_at = serializers.DateTimeField()
    attempts = AttemptOutput(many=True)
