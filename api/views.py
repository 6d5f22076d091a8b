"""The /graphql/ endpoint; GraphiQL only while DEBUG is on."""

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView


def _view(request, *args, **kwargs):
    view = GraphQLView.as_view(graphiql=settings.DEBUG)
    return view(request, *args, **kwargs)


graphql_view = csrf_exempt(_view)
