from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from analysis import api as analysis_api
from crms.accounts.api import MeView, TokenView
from crms.accounts.views import LoginView
from crms.audit.views import audit_log
from crms.core import views as core_views
from crms.core.navigation import AREAS
from crms.declarations import api as declarations_api
from crms.learning import api as learning_api
from crms.reference import api as reference_api
from crms.reference import views as reference_views
from crms.search import api as search_api
from crms.search import views as search_views
from exchange import api as exchange_api
from indicators import api as indicators_api
from notifications import api as notifications_api
from pca import api as pca_api
from rif import api as rif_api
from rif import api_crises as crises_api
from risk_engine import api as engine_api
from selection import api as selection_api
from workbench import api as workbench_api


class SwaggerDocsView(SpectacularSwaggerView):
    """Swagger UI configures itself with an inline script: this page alone may run one."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
            "script-src 'self'", "script-src 'self' 'unsafe-inline'"
        )
        return response


handler400 = "crms.core.views.bad_request"
handler403 = "crms.core.views.permission_denied"
handler404 = "crms.core.views.page_not_found"
handler500 = "crms.core.views.server_error"

api_v1 = [
    path("me/", MeView.as_view(), name="api-me"),
    path("me/token/", TokenView.as_view(), name="api-me-token"),
    path("search/", search_api.SearchView.as_view(), name="api-search"),
    path("declarations/", declarations_api.DeclarationCollectionView.as_view(), name="api-declarations"),
    path("declarations/batch/", declarations_api.DeclarationBatchView.as_view(), name="api-declarations-batch"),
    path("declarations/<str:mrn>/", declarations_api.DeclarationDetailView.as_view(), name="api-declaration"),
    path(
        "declarations/<str:mrn>/amendments/",
        declarations_api.AmendmentView.as_view(),
        name="api-declaration-amendments",
    ),
    path(
        "declarations/<str:mrn>/assessment/",
        declarations_api.AssessmentView.as_view(),
        name="api-declaration-assessment",
    ),
    path("criteria/", engine_api.CriteriaView.as_view(), name="api-criteria"),
    path("criteria/<str:code>/", engine_api.CriterionView.as_view(), name="api-criterion"),
    path("criteria/<str:code>/submit/", engine_api.SubmitView.as_view(), name="api-criterion-submit"),
    path("criteria/<str:code>/approve/", engine_api.ApproveView.as_view(), name="api-criterion-approve"),
    path("criteria/<str:code>/retire/", engine_api.RetireView.as_view(), name="api-criterion-retire"),
    path("criteria/<str:code>/return/", engine_api.ReturnView.as_view(), name="api-criterion-return"),
    path("criteria/<str:code>/reject/", engine_api.RejectView.as_view(), name="api-criterion-reject"),
    path("watch-lists/", engine_api.WatchListsView.as_view(), name="api-watch-lists"),
    path("decisions/", workbench_api.DecisionFeedView.as_view(), name="api-decisions"),
    path("indicators/", indicators_api.IndicatorsView.as_view(), name="api-indicators"),
    path("indicators/evaluation/", indicators_api.EvaluationView.as_view(), name="api-indicators-evaluation"),
    path(
        "declarations/<str:mrn>/decisions/",
        workbench_api.DeclarationDecisionsView.as_view(),
        name="api-declaration-decisions",
    ),
    path(
        "declarations/<str:mrn>/control-results/",
        workbench_api.ControlResultsView.as_view(),
        name="api-declaration-control-results",
    ),
    path("referrals/", workbench_api.ReferralListView.as_view(), name="api-referrals"),
    path("referrals/<int:pk>/", workbench_api.ReferralDetailView.as_view(), name="api-referral"),
    path("referrals/<int:pk>/answers/", workbench_api.ReferralAnswersView.as_view(), name="api-referral-answers"),
    path("events/", notifications_api.EventFeedView.as_view(), name="api-events"),
    path("subscriptions/", notifications_api.SubscriptionsView.as_view(), name="api-subscriptions"),
    path("subscriptions/<int:pk>/", notifications_api.SubscriptionView.as_view(), name="api-subscription"),
    path("history/batch/", learning_api.HistoryBatchView.as_view(), name="api-history-batch"),
    path("models/<str:model_id>/", learning_api.ModelDetailView.as_view(), name="api-model"),
    *[
        path(f"models/<str:model_id>/{action}/", view.as_view(), name=f"api-model-{action}")
        for action, view in learning_api.MODEL_ACTION_VIEWS.items()
    ],
    path("rifs/", rif_api.RifCollectionView.as_view(), name="api-rifs"),
    path("rifs/<str:reference>/", rif_api.RifDetailView.as_view(), name="api-rif"),
    path("rifs/<str:reference>/feedback/", rif_api.RifFeedbackView.as_view(), name="api-rif-feedback"),
    # --- the rest of the exchange (issue 15 point 5) ---
    path("rifs/<str:reference>/read/", rif_api.RifReadView.as_view(), name="api-rif-read"),
    path("rifs/<str:reference>/attachments/<int:pk>/", rif_api.RifAttachmentView.as_view(), name="api-rif-attachment"),
    path("crises/", crises_api.CrisisCollectionView.as_view(), name="api-crises"),
    path("crises/<int:pk>/", crises_api.CrisisDetailView.as_view(), name="api-crisis"),
    path("crises/<int:pk>/posts/", crises_api.CrisisPostsView.as_view(), name="api-crisis-posts"),
    path("pcas/", pca_api.PcaCollectionView.as_view(), name="api-pcas"),
    path("pcas/<int:pk>/", pca_api.PcaDetailView.as_view(), name="api-pca"),
    path("information-requests/", exchange_api.RequestCollectionView.as_view(), name="api-information-requests"),
    path("information-requests/<int:pk>/", exchange_api.RequestDetailView.as_view(), name="api-information-request"),
    path(
        "information-requests/<int:pk>/messages/",
        exchange_api.RequestMessagesView.as_view(),
        name="api-information-request-messages",
    ),
    path(
        "information-requests/<int:pk>/close/",
        exchange_api.RequestCloseView.as_view(),
        name="api-information-request-close",
    ),
    path("declarations/<str:mrn>/flags/", analysis_api.FlagsView.as_view(), name="api-declaration-flags"),
    path("selection-settings/", selection_api.SelectionSettingsView.as_view(), name="api-selection-settings"),
    path(
        "reference/high-interest-countries/",
        reference_api.HighInterestCountriesView.as_view(),
        name="api-high-interest-countries",
    ),
]

reference = [
    path("", reference_views.home, name="reference-home"),
    path("participants/", reference_views.participants, name="reference-participants"),
    path("offices/", reference_views.offices, name="reference-offices"),
    path("countries/", reference_views.countries, name="reference-countries"),
    path("hs/", reference_views.hs, name="reference-hs"),
    path("risk-areas/", reference_views.risk_areas, name="reference-risk-areas"),
    path("vague-terms/", reference_views.vague_terms, name="reference-vague-terms"),
    path(
        "high-interest-countries/",
        reference_views.high_interest_countries,
        name="reference-high-interest-countries",
    ),
]

# Areas a later piece of work fills get a page saying what they will hold.
placeholders = [
    path(f"{area.key}/", core_views.area_placeholder(area.key), name=area.url_name) for area in AREAS if not area.built
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", core_views.healthz, name="healthz"),
    path("reference/", include(reference)),
    path("audit/", audit_log, name="audit-log"),
    path("search/", search_views.search_page, name="search"),
    path("declarations/", include("crms.declarations.urls")),
    path("operators/", include("crms.operators.urls")),
    path("criteria/", include("risk_engine.urls")),
    path("workbench/", include("workbench.urls")),
    path("rif/", include("rif.urls")),
    path("pca/", include("pca.urls")),
    path("selection/", include("selection.urls")),
    path("indicators/", include("indicators.urls")),
    path("analysis/", include("analysis.urls")),
    path("models/", include("crms.learning.urls")),
    path("prices/", include("crms.learning.price_urls")),
    *placeholders,
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
]
