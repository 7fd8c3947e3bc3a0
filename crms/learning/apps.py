from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "crms.learning"
    label = "learning"
    verbose_name = "Learned selection: history, labels and risk models"
