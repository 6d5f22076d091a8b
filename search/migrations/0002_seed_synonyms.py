"""Seed the editable synonym list with the shipped defaults (search.synonyms), once."""

from django.db import migrations


def seed(apps, schema_editor):
    from search.synonyms import DEFAULT_ONE_WAY, DEFAULT_SYNONYMS

    SearchSynonym = apps.get_model("search", "SearchSynonym")
    if SearchSynonym.objects.exists():
        return
    lines = [", ".join(group) for group in DEFAULT_SYNONYMS]
    lines += [f"{', '.join(sources)} => {', '.join(targets)}" for sources, targets in DEFAULT_ONE_WAY]
    SearchSynonym.objects.bulk_create(SearchSynonym(terms=line, note="系统预置") for line in lines)


def unseed(apps, schema_editor):
    apps.get_model("search", "SearchSynonym").objects.filter(note="系统预置").delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
