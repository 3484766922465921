"""Seed the routing table with the guide's rules (triage.rules.DEFAULT_RULES), active."""

from django.db import migrations


def seed(apps, schema_editor):
    from triage.rules import DEFAULT_RULES, rules_to_dicts

    RoutingRuleSet = apps.get_model("triage", "RoutingRuleSet")
    if not RoutingRuleSet.objects.filter(name="guide").exists():
        RoutingRuleSet.objects.create(
            name="guide",
            rules=rules_to_dicts(DEFAULT_RULES),
            active=not RoutingRuleSet.objects.filter(active=True).exists(),
            notes="The rules of the guide “Niveles de soporte”.",
        )


def unseed(apps, schema_editor):
    apps.get_model("triage", "RoutingRuleSet").objects.filter(name="guide").delete()


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
