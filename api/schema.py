"""The root GraphQL schema; domain packages add their query and mutation mixins here."""

import graphene


class Query(graphene.ObjectType):
    ping = graphene.String(description="健康检查：返回 pong。")

    def resolve_ping(root, info) -> str:
        return "pong"


schema = graphene.Schema(query=Query)
