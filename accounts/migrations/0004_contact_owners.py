from django.db import migrations


def first_contacts_own_their_organisation(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Every organisation's first customer contact becomes its owner, so someone manages its contacts."""
    User = apps.get_model("accounts", "User")
    first: dict[int, int] = {}
    for pk, organisation_id in User.objects.filter(role="customer").order_by("id").values_list("id", "organisation_id"):
        first.setdefault(organisation_id, pk)
    User.objects.filter(role="customer", contact_role="").update(contact_role="technical")
    User.objects.filter(pk__in=list(first.values())).update(contact_role="owner")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_provisioning")]

    operations = [migrations.RunPython(first_contacts_own_their_organisation, migrations.RunPython.noop)]
