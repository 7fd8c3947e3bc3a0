"""``GET /api/v1/me/``: lets an integrator check what its token is (organisation and role)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    organisation = serializers.CharField(source="organisation_id", allow_null=True)
    organisation_name = serializers.CharField(source="organisation.name", allow_null=True, default=None)
    role = serializers.CharField()


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="The authenticated user's organisation and role")
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class TokenView(APIView):
    @extend_schema(
        summary="Revoke the token this request is made with (it answers 401 afterwards)",
        request=None,
        responses={204: None},
    )
    def delete(self, request):
        from crms.accounts.services import revoke_token

        revoke_token(actor=request.user, user=request.user)
        return Response(status=204)
