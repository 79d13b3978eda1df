from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="OutboundRequest",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("at", models.DateTimeField(db_index=True)),
                (
                    "stream",
                    models.CharField(
                        choices=[
                            ("posthog", "Product analytics (PostHog)"),
                            ("telemetry", "Installation telemetry"),
                            ("sentry", "Error reports (Sentry)"),
                        ],
                        max_length=16,
                    ),
                ),
                ("host", models.CharField(max_length=255)),
                ("body_bytes", models.PositiveBigIntegerField()),
                ("http_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("ok", "Delivered (2xx)"),
                            ("http_error", "Refused (HTTP error status)"),
                            ("network_error", "No answer (network error or time-out)"),
                        ],
                        max_length=16,
                    ),
                ),
                ("events", models.PositiveIntegerField(default=0)),
                ("duration_ms", models.PositiveIntegerField(default=0)),
            ],
            options={
                "verbose_name": "outbound request",
                "verbose_name_plural": "outbound ledger",
                "ordering": ("-at", "-id"),
                "indexes": [
                    models.Index(fields=["stream", "at"], name="analytics_outbound_stream_at")
                ],
            },
        ),
    ]
