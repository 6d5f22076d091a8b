"""Partner API keys and webhook subscriptions with their delivery log."""

from .keys import PartnerKey
from .webhooks import WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = ["PartnerKey", "WebhookDelivery", "WebhookEvent", "WebhookSubscription"]
