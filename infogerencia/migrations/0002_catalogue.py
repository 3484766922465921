"""The guide's examples of level 3 work, as the catalogue's starting point (editable in the admin)."""

from datetime import timedelta
from decimal import Decimal

from django.db import migrations


def _field(key, es, en, fr):
    return {"key": key, "label_es": es, "label_en": en, "label_fr": fr}


PHP_VERSION = _field("php_version", "Versión de PHP resultante", "Resulting PHP version", "Version de PHP obtenue")
BACKUP = _field("backup_reference", "Copia de seguridad previa", "Backup taken before", "Sauvegarde préalable")

CATALOGUE = [
    {
        "code": "recompile-php",
        "name_es": "Recompilar PHP",
        "name_en": "Recompile PHP",
        "name_fr": "Recompiler PHP",
        "description_es": "Recompilación de PHP con los módulos y opciones que necesita su aplicación.",
        "description_en": "Recompiling PHP with the modules and options your application needs.",
        "description_fr": "Recompilation de PHP avec les modules et options dont votre application a besoin.",
        "products": ["dedicated", "vps"],
        "base_price": Decimal("120.00"),
        "estimated_duration": timedelta(hours=2),
        "required_fields": [
            PHP_VERSION,
            _field("modules", "Módulos compilados", "Modules compiled in", "Modules compilés"),
            BACKUP,
        ],
    },
    {
        "code": "install-zend-optimizer",
        "name_es": "Instalar Zend Optimizer",
        "name_en": "Install Zend Optimizer",
        "name_fr": "Installer Zend Optimizer",
        "description_es": "Instalación y activación de Zend Optimizer en el PHP del servidor.",
        "description_en": "Installing and enabling Zend Optimizer in the server's PHP.",
        "description_fr": "Installation et activation de Zend Optimizer dans le PHP du serveur.",
        "products": ["dedicated", "vps"],
        "base_price": Decimal("60.00"),
        "estimated_duration": timedelta(hours=1),
        "required_fields": [
            PHP_VERSION,
            _field("zend_version", "Versión de Zend Optimizer", "Zend Optimizer version", "Version de Zend Optimizer"),
        ],
    },
    {
        "code": "reconfigure-multidomain",
        "name_es": "Reconfigurar un multidominio",
        "name_en": "Reconfigure a multi-domain",
        "name_fr": "Reconfigurer un multidomaine",
        "description_es": "Reconfiguración de los dominios y subdominios alojados y de sus carpetas raíz.",
        "description_en": "Reconfiguring the hosted domains and subdomains and their root folders.",
        "description_fr": "Reconfiguration des domaines et sous-domaines hébergés et de leurs dossiers racine.",
        "products": ["hosting", "dedicated", "vps"],
        "base_price": Decimal("90.00"),
        "estimated_duration": timedelta(hours=1, minutes=30),
        "required_fields": [
            _field("domains", "Dominios reconfigurados", "Domains reconfigured", "Domaines reconfigurés"),
            BACKUP,
        ],
    },
    {
        "code": "flush-qmail-queue",
        "name_es": "Vaciar la cola de Qmail",
        "name_en": "Flush the Qmail queue",
        "name_fr": "Vider la file d'attente Qmail",
        "description_es": "Análisis y vaciado de la cola de correo de Qmail, conservando los mensajes legítimos.",
        "description_en": "Analysing and flushing the Qmail mail queue, keeping legitimate messages.",
        "description_fr": "Analyse et purge de la file d'attente Qmail, en conservant les messages légitimes.",
        "products": ["dedicated", "vps", "mail"],
        "base_price": Decimal("45.00"),
        "estimated_duration": timedelta(minutes=45),
        "required_fields": [
            _field("messages_removed", "Mensajes eliminados", "Messages removed", "Messages supprimés"),
            _field("messages_kept", "Mensajes conservados", "Messages kept", "Messages conservés"),
        ],
    },
]


def load(apps, schema_editor):
    InterventionType = apps.get_model("infogerencia", "InterventionType")
    for item in CATALOGUE:
        values = dict(item)
        code = values.pop("code")
        InterventionType.objects.get_or_create(code=code, defaults=values)


def unload(apps, schema_editor):
    InterventionType = apps.get_model("infogerencia", "InterventionType")
    InterventionType.objects.filter(code__in=[item["code"] for item in CATALOGUE], quote_lines__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("infogerencia", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
