"""The four support plans, named as OVH's, for a desk whose levels already exist.

A new desk gets the same rows from the guide's fixture (``levels/fixtures/guide.json``); a desk
set up before plans existed gets them here, with the same keys. Standard is the default plan and
keeps the guide's figures, its levels' own policies (L1 answers within 6 h, L2 within 24
business hours), except for critical tickets: 1 h on L1, 12 business hours on L2.
"""

from datetime import timedelta

from django.db import migrations

H = 3600
# code, OVH name, names (es, en, fr), {level code: {priority: (warning s, target s)}}
PLANS = [
    (
        "standard",
        "standard",
        ("Estándar", "Standard", "Standard"),
        {
            # Only the critical rows: every other priority keeps the level's own policy (the guide's
            # 1 h warning / 6 h target on L1, 12 / 24 business hours on L2).
            "L1": {"critical": (H // 2, H)},
            "L2": {"critical": (4 * H, 12 * H)},
        },
    ),
    (
        "premium",
        "premium",
        ("Premium", "Premium", "Premium"),
        {
            "L1": {"critical": (H // 4, H // 2), "high": (H, 2 * H), "normal": (H, 4 * H), "low": (H, 6 * H)},
            "L2": {"critical": (4 * H, 8 * H), "high": (6 * H, 12 * H), "normal": (12 * H, 24 * H), "low": (12 * H, 24 * H)},
        },
    ),
    (
        "business",
        "business",
        ("Business", "Business", "Business"),
        {
            "L1": {"critical": (10 * 60, H // 4), "high": (H // 2, H), "normal": (H, 2 * H), "low": (H, 4 * H)},
            "L2": {"critical": (2 * H, 4 * H), "high": (4 * H, 8 * H), "normal": (6 * H, 12 * H), "low": (12 * H, 24 * H)},
        },
    ),
    (
        "enterprise",
        "enterprise",
        ("Enterprise", "Enterprise", "Enterprise"),
        {
            "L1": {"critical": (5 * 60, H // 4), "high": (H // 4, H // 2), "normal": (H // 2, H), "low": (H, 2 * H)},
            "L2": {"critical": (H, 2 * H), "high": (2 * H, 4 * H), "normal": (4 * H, 8 * H), "low": (6 * H, 12 * H)},
        },
    ),
]


def add_plans(apps, schema_editor):
    SupportLevel = apps.get_model("levels", "SupportLevel")
    SupportPlan = apps.get_model("sla", "SupportPlan")
    PlanTarget = apps.get_model("sla", "PlanTarget")
    levels = {level.code: level for level in SupportLevel.objects.filter(code__in=["L1", "L2"])}
    if not levels or SupportPlan.objects.exists():
        return
    target_pk = 0
    for order, (code, ovh, (es, en, fr), table) in enumerate(PLANS, start=1):
        plan = SupportPlan.objects.create(
            pk=order, code=code, ovh_level=ovh, name_es=es, name_en=en, name_fr=fr, is_default=code == "standard", order=order
        )
        for level_code, row in table.items():
            if level_code not in levels:
                continue
            for priority, (warning, target) in row.items():
                target_pk += 1
                PlanTarget.objects.create(
                    pk=target_pk,
                    plan=plan,
                    level=levels[level_code],
                    priority=priority,
                    first_response_warning=timedelta(seconds=warning),
                    first_response_target=timedelta(seconds=target),
                    next_response_target=timedelta(seconds=target),
                )


class Migration(migrations.Migration):
    dependencies = [
        ("levels", "0002_initial"),
        ("sla", "0004_supportplan_plantarget_customerplan_and_more"),
    ]

    operations = [migrations.RunPython(add_plans, migrations.RunPython.noop)]
