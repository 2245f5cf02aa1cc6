"""The webhook models now belong to the ``webhooks`` app (``webhooks/0001`` adopted them): drop
them from this app's state only. The tables and their rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("prompts", "0004_reduce_webhook_attempt_errors"),
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                # Children first: each delete must leave no relation pointing at a removed model.
                migrations.DeleteModel(name="WebhookAttempt"),
                migrations.DeleteModel(name="WebhookDelivery"),
                migrations.DeleteModel(name="WebhookSubscription"),
            ],
        )
    ]
