from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.tenancy.api.scoping import PROJECT_HEADER_PARAMETER, ProjectScopedView
from llmops.webhooks import domain, selectors
from llmops.webhooks.api import access as actions
from llmops.webhooks.api.serializers import (
    DeliveryOutput,
    WebhookCreatedOutput,
    WebhookCreateInput,
    WebhookOutput,
)
from llmops.webhooks.models import WebhookSubscription


def _subscription(view: ProjectScopedView, webhook_id: int) -> WebhookSubscription:
    subscription = selectors.subscription_get(project=view.project, subscription_id=webhook_id)
    if subscription is None:
        raise exceptions.NotFound("Webhook not found.")
    return subscription


class WebhookListCreateView(ProjectScopedView):
    access = {"GET": actions.MANAGE, "POST": actions.MANAGE}

    @extend_schema(
        operation_id="webhooks_list",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=WebhookOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        subscriptions = selectors.subscription_list(project=self.project)
        return Response(WebhookOutput(subscriptions, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        request=WebhookCreateInput,
        parameters=[PROJECT_HEADER_PARAMETER],
        responses={201: WebhookCreatedOutput},
        summary="Subscribe a URL to events; the signing secret is in this response only",
    )
    def post(self, request: Request) -> Response:
        body = WebhookCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        subscription = domain.subscription_create(
            project=self.project,
            url=body.validated_data["url"],
            events=body.validated_data["events"],
        )
        data = dict(WebhookOutput(subscription).data)
        data["secret"] = subscription.secret
        return Response(data, status=status.HTTP_201_CREATED)


class WebhookDeleteView(ProjectScopedView):
    access = {"DELETE": actions.MANAGE}

    @extend_schema(
        operation_id="webhooks_delete", parameters=[PROJECT_HEADER_PARAMETER], responses={204: None}
    )
    def delete(self, request: Request, webhook_id: int) -> Response:
        domain.subscription_delete(subscription=_subscription(self, webhook_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesView(ProjectScopedView):
    access = {"GET": actions.MANAGE}

    @extend_schema(
        operation_id="webhooks_deliveries",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=DeliveryOutput(many=True),
        summary="The latest deliveries of a webhook with every attempt",
    )
    def get(self, request: Request, webhook_id: int) -> Response:
        deliveries = selectors.deliveries_recent(subscription=_subscription(self, webhook_id))
        return Response(DeliveryOutput(deliveries, many=True).data)
