from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications: event feed and webhooks"

    def ready(self) -> None:
        from notifications.receivers import assessment_events
        from risk_engine.signals import assessments_written

        assessments_written.connect(assessment_events, dispatch_uid="notifications-assessment-events")
