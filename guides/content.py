"""The first articles of the knowledge base, in Spanish, English and French.

``guides/loader.py`` creates them when their slug is missing and never overwrites an article an
editor has changed since.
"""

from __future__ import annotations

from typing import TypedDict


class CategoryData(TypedDict):
    slug: str
    name_es: str
    name_en: str
    name_fr: str
    order: int


class ArticleData(TypedDict):
    slug: str
    category: str
    title_es: str
    title_en: str
    title_fr: str
    body_es: str
    body_en: str
    body_fr: str
    related: list[str]


CATEGORIES: list[CategoryData] = [
    {"slug": "soporte", "name_es": "Soporte", "name_en": "Support", "name_fr": "Support", "order": 1},
    {
        "slug": "primeros-pasos",
        "name_es": "Gestionar sus productos",
        "name_en": "Managing your products",
        "name_fr": "Gérer vos produits",
        "order": 2,
    },
]

NIVELES_ES = """\
En el soporte existen 3 niveles de soporte técnico, para cuestiones técnicas diferentes.

- **Nivel 1 – Soporte incidencias** (técnico), disponible 24 h al día
- **Nivel 2 – Soporte asistencia** (técnico y comercial)
- **Nivel 3 – Soporte infogerencia** (técnico)

## Nivel 1 – Soporte incidencias

El soporte de urgencia (incidencias) está disponible las **24 horas al día, todos los días del año**.

Este soporte gestiona los fallos urgentes y los problemas cuando un servicio no funciona.
Ejemplo: el servidor no hace ping, un alojamiento no está accesible, la cuenta de correo no envía
correos...

La respuesta media se produce en un plazo de **1 a 6 horas**.

Si la consulta no se considera un incidente o no causa una indisponibilidad del servicio (fallo
de ping en un servidor, falta de respuesta de un plan de alojamiento, fallo de DNS en un dominio
registrado...), la incidencia se pasa al soporte de nivel 2.

### Acceder desde el Manager

En la sección **Administración**, haga clic en **Mis productos → Soporte** y después en
**Declarar un incidente**. Deberá seleccionar el tipo de incidencia en el desplegable.

### Acceso directo

[Declarar un incidente](/manager/support/incident/new/): desde esta página podrá crear un tiquet
directamente. Necesitará su identificador de cliente y su contraseña para entrar en el Manager.

### Acceso telefónico

También puede abrir un tiquet de incidencia por teléfono en el **902 906 033**. Necesitará su
identificador de cliente y la referencia de su servicio contratado.

## Nivel 2 – Soporte asistencia

El soporte de asistencia comercial y técnica está disponible en **horario laboral, de lunes a
viernes**.

Este soporte le ayudará a elegir un producto para sus necesidades o a gestionar un producto con
ayuda de las guías. Ejemplo: [configurar mi cuenta de correo](/guides/configurar-cuenta-correo/),
[instalar un sitio en mi servidor](/guides/instalar-sitio/),
[cambiar las DNS de un dominio](/guides/cambiar-dns-dominio/)...

También se consideran de nivel 2 los incidentes que no causan un fallo de ping en el servidor, ya
que estos fallos no suelen ser de hardware, sino de administración o de configuración.

La respuesta media se produce en un plazo de **12 a 24 horas** laborables.

Si la consulta se considera una incidencia, se abre un tiquet de incidencia de nivel 1, enlazado
con el suyo. Si se necesita una labor de gestión o de administración, la intervención se pasa al
soporte de nivel 3, infogerencia.

### Acceder desde el Manager

En la sección **Administración**, haga clic en **Mis productos → Soporte** y después en
**Soporte asistencia**. Deberá seleccionar el servicio y el tipo de consulta.

### Acceso directo

[Abrir un tiquet de asistencia](/manager/support/assistance/new/): desde esta página podrá crear
un tiquet directamente. Necesitará su identificador de cliente y su contraseña.

### Acceso telefónico

También puede solicitar asistencia por teléfono en el **902 106 113**. Necesitará su
identificador de cliente y la referencia de su servicio contratado.

## Nivel 3 – Soporte infogerencia

Este soporte le ayudará a configurar un componente o a realizar una operación compleja en su
servicio. Puede solicitar una intervención de infogerencia desde un tiquet de asistencia o desde
un tiquet de incidencia.

Ejemplo: recompilar el PHP de mi servidor, instalar Zend Optimizer, reconfigurar un multidominio,
vaciar la cola de Qmail...

Para saber más, consulte la guía [Infogerencia](/guides/infogerencia/).

Para que un administrador realice una infogerencia, debe solicitar antes un **presupuesto** al
soporte de asistencia comercial (nivel 2), por tiquet o por teléfono. Si acepta el presupuesto y
realiza el pago, la intervención se programa inmediatamente. Una vez realizada, recibirá la
**factura** y los **detalles de la operación**.

## Más información

[Contactar con el soporte](/guides/contactar-soporte/): consejos para contactar con el soporte.
"""

NIVELES_EN = """\
Support has 3 levels of technical support, for different kinds of question.

- **Level 1 – Incident support** (technical), available 24 hours a day
- **Level 2 – Assistance support** (technical and commercial)
- **Level 3 – Managed services support** (technical)

## Level 1 – Incident support

Emergency support (incidents) is available **24 hours a day, every day of the year**.

It handles urgent failures and problems when a service does not work. For example: the server
does not answer ping, a hosting plan cannot be reached, the mail account does not send mail...

The average answer comes within **1 to 6 hours**.

If the request is not an incident, or causes no unavailability of the service (a server that
fails ping, a hosting plan that does not answer, a DNS failure on a registered domain...), it is
passed to level 2.

### From the Manager

In **Administration**, click **My products → Support**, then **Declare an incident**. Choose
the type of incident in the list.

### Direct link

[Declare an incident](/manager/support/incident/new/): this page opens a ticket straight away.
You need your customer identifier and password to enter the Manager.

### By phone

You can also open an incident ticket by phone on **902 906 033**. Have your customer identifier
and the reference of the service at hand.

## Level 2 – Assistance support

Commercial and technical assistance is available during **business hours, Monday to Friday**.

It helps you choose a product for your needs or manage a product with the help of the guides.
For example: [set up my mail account](/guides/configurar-cuenta-correo/),
[install a site on my server](/guides/instalar-sitio/),
[change a domain's DNS](/guides/cambiar-dns-dominio/)...

Incidents that do not make the server fail ping are also level 2: such failures are rarely
hardware, but administration or configuration.

The average answer comes within **12 to 24 business hours**.

If the request turns out to be an incident, a level 1 incident ticket is opened and linked to
yours. If administration work is needed, the intervention is passed to level 3, managed services.

### From the Manager

In **Administration**, click **My products → Support**, then **Assistance support**. Choose the
service and the type of query.

### Direct link

[Open an assistance ticket](/manager/support/assistance/new/): this page opens a ticket straight
away. You need your customer identifier and password.

### By phone

You can also ask for assistance by phone on **902 106 113**. Have your customer identifier and
the reference of the service at hand.

## Level 3 – Managed services support

This support configures a component or carries out a complex operation on your service. You can
ask for a managed intervention from an assistance ticket or an incident ticket.

For example: recompile my server's PHP, install Zend Optimizer, reconfigure a multi-domain, flush
the Qmail queue...

To learn more, read the guide [Managed services](/guides/infogerencia/).

Before an administrator does the work, ask commercial assistance (level 2) for a **quote**, by
ticket or by phone. Once you accept the quote and pay, the intervention is scheduled at once.
When it is done you receive the **invoice** and the **operation report**.

## More information

[Contacting support](/guides/contactar-soporte/): advice on contacting support.
"""

NIVELES_FR = """\
Le support compte 3 niveaux d'assistance technique, pour des questions différentes.

- **Niveau 1 – Support incidents** (technique), disponible 24 h sur 24
- **Niveau 2 – Support assistance** (technique et commercial)
- **Niveau 3 – Support infogérance** (technique)

## Niveau 1 – Support incidents

Le support d'urgence (incidents) est disponible **24 heures sur 24, tous les jours de l'année**.

Il traite les pannes urgentes et les problèmes quand un service ne fonctionne pas. Par exemple :
le serveur ne répond pas au ping, un hébergement est inaccessible, le compte e-mail n'envoie pas
de messages...

La réponse arrive en moyenne sous **1 à 6 heures**.

Si la demande n'est pas un incident, ou ne rend pas le service indisponible (échec du ping d'un
serveur, hébergement qui ne répond pas, panne DNS d'un domaine enregistré...), elle est transmise
au niveau 2.

### Depuis le Manager

Dans **Administration**, cliquez sur **Mes produits → Support**, puis sur **Déclarer un
incident**. Choisissez le type d'incident dans la liste.

### Accès direct

[Déclarer un incident](/manager/support/incident/new/) : cette page ouvre un ticket
directement. Il vous faut votre identifiant client et votre mot de passe.

### Par téléphone

Vous pouvez aussi ouvrir un ticket d'incident au **902 906 033**. Ayez sous la main votre
identifiant client et la référence du service.

## Niveau 2 – Support assistance

L'assistance commerciale et technique est disponible **aux heures ouvrées, du lundi au
vendredi**.

Elle vous aide à choisir un produit ou à gérer un produit à l'aide des guides. Par exemple :
[configurer mon compte e-mail](/guides/configurar-cuenta-correo/),
[installer un site sur mon serveur](/guides/instalar-sitio/),
[changer les DNS d'un domaine](/guides/cambiar-dns-dominio/)...

Les incidents qui ne font pas échouer le ping du serveur relèvent aussi du niveau 2 : ces pannes
viennent rarement du matériel, plutôt de l'administration ou de la configuration.

La réponse arrive en moyenne sous **12 à 24 heures ouvrées**.

Si la demande se révèle être un incident, un ticket d'incident de niveau 1 est ouvert et lié au
vôtre. Si un travail d'administration est nécessaire, l'intervention passe au niveau 3,
infogérance.

### Depuis le Manager

Dans **Administration**, cliquez sur **Mes produits → Support**, puis sur **Support
assistance**. Choisissez le service et le type de demande.

### Accès direct

[Ouvrir un ticket d'assistance](/manager/support/assistance/new/) : cette page ouvre un ticket
directement. Il vous faut votre identifiant client et votre mot de passe.

### Par téléphone

Vous pouvez aussi demander de l'assistance au **902 106 113**. Ayez sous la main votre
identifiant client et la référence du service.

## Niveau 3 – Support infogérance

Ce support configure un composant ou réalise une opération complexe sur votre service. Vous
pouvez demander une intervention d'infogérance depuis un ticket d'assistance ou d'incident.

Par exemple : recompiler le PHP de mon serveur, installer Zend Optimizer, reconfigurer un
multidomaine, vider la file d'attente de Qmail...

Pour en savoir plus, lisez le guide [Infogérance](/guides/infogerencia/).

Avant qu'un administrateur intervienne, demandez un **devis** à l'assistance commerciale
(niveau 2), par ticket ou par téléphone. Une fois le devis accepté et payé, l'intervention est
planifiée aussitôt. Une fois réalisée, vous recevez la **facture** et le **compte rendu de
l'opération**.

## Plus d'informations

[Contacter le support](/guides/contactar-soporte/) : conseils pour contacter le support.
"""

ARTICLES: list[ArticleData] = [
    {
        "slug": "niveles-de-soporte",
        "category": "soporte",
        "title_es": "Niveles de soporte",
        "title_en": "Support levels",
        "title_fr": "Niveaux de support",
        "body_es": NIVELES_ES,
        "body_en": NIVELES_EN,
        "body_fr": NIVELES_FR,
        "related": ["contactar-soporte", "infogerencia"],
    },
    {
        "slug": "contactar-soporte",
        "category": "soporte",
        "title_es": "Contactar con el soporte",
        "title_en": "Contacting support",
        "title_fr": "Contacter le support",
        "body_es": """\
Para que le ayudemos cuanto antes:

1. **Elija el nivel adecuado** (vea [Niveles de soporte](/guides/niveles-de-soporte/)): si un
   servicio no funciona, [declare un incidente](/manager/support/incident/new/); para una
   consulta, [abra un tiquet de asistencia](/manager/support/assistance/new/).
2. **Indique el servicio afectado** por su referencia (por ejemplo `ns3012345.ip-51-75-1.eu` o
   `midominio.es`).
3. **Describa lo que ve**: desde cuándo, qué ha probado, los mensajes de error exactos.
4. **Adjunte pruebas**: un traceroute, una captura de pantalla, las cabeceras de un correo.
5. **Un tiquet por problema**: si escribe de nuevo, responda en el mismo tiquet.

Por teléfono: **902 906 033** (incidencias, 24 h) y **902 106 113** (asistencia, horario
laboral). Tenga a mano su identificador de cliente y la referencia del servicio.
""",
        "body_en": """\
To get help as soon as possible:

1. **Pick the right level** (see [Support levels](/guides/niveles-de-soporte/)): if a service
   does not work, [declare an incident](/manager/support/incident/new/); for a question,
   [open an assistance ticket](/manager/support/assistance/new/).
2. **Name the service** by its reference (for example `ns3012345.ip-51-75-1.eu` or
   `mydomain.com`).
3. **Describe what you see**: since when, what you tried, the exact error messages.
4. **Attach evidence**: a traceroute, a screenshot, the headers of an e-mail.
5. **One ticket per problem**: to add something, reply on the same ticket.

By phone: **902 906 033** (incidents, 24 h) and **902 106 113** (assistance, business hours).
Have your customer identifier and the service reference at hand.
""",
        "body_fr": """\
Pour obtenir de l'aide au plus vite :

1. **Choisissez le bon niveau** (voir [Niveaux de support](/guides/niveles-de-soporte/)) : si
   un service ne fonctionne pas, [déclarez un incident](/manager/support/incident/new/) ; pour
   une question, [ouvrez un ticket d'assistance](/manager/support/assistance/new/).
2. **Indiquez le service** par sa référence (par exemple `ns3012345.ip-51-75-1.eu` ou
   `mondomaine.fr`).
3. **Décrivez ce que vous voyez** : depuis quand, ce que vous avez essayé, les messages d'erreur
   exacts.
4. **Joignez des preuves** : un traceroute, une capture d'écran, les en-têtes d'un e-mail.
5. **Un ticket par problème** : pour compléter, répondez sur le même ticket.

Par téléphone : **902 906 033** (incidents, 24 h/24) et **902 106 113** (assistance, heures
ouvrées). Ayez sous la main votre identifiant client et la référence du service.
""",
        "related": ["niveles-de-soporte"],
    },
    {
        "slug": "infogerencia",
        "category": "soporte",
        "title_es": "Infogerencia",
        "title_en": "Managed services",
        "title_fr": "Infogérance",
        "body_es": """\
La infogerencia (nivel 3) es el trabajo que un administrador hace por usted en su servicio:
recompilar el PHP, instalar Zend Optimizer, reconfigurar un multidominio, vaciar la cola de
Qmail...

1. **Pida un presupuesto** al soporte de asistencia comercial: desde un tiquet
   ([Soporte asistencia](/manager/support/assistance/new/?type=quote_intervention), tipo
   «Presupuesto de una intervención de infogerencia») o por teléfono en el 902 106 113.
2. **Acepte el presupuesto y páguelo** desde el Manager.
3. La intervención **se programa inmediatamente** y se le comunica la fecha.
4. Al terminar recibe la **factura** y el **informe de la operación**, también visibles en su tiquet.

Vea también [Niveles de soporte](/guides/niveles-de-soporte/).
""",
        "body_en": """\
Managed services (level 3) are work an administrator does for you on your service: recompile
PHP, install Zend Optimizer, reconfigure a multi-domain, flush the Qmail queue...

1. **Ask for a quote** from commercial assistance: from a ticket
   ([Assistance support](/manager/support/assistance/new/?type=quote_intervention), type
   "Quote for a managed intervention") or by phone on 902 106 113.
2. **Accept the quote and pay** in the Manager.
3. The intervention **is scheduled at once** and you are told when.
4. When it is done you receive the **invoice** and the **operation report**, also on your ticket.

See also [Support levels](/guides/niveles-de-soporte/).
""",
        "body_fr": """\
L'infogérance (niveau 3), c'est le travail qu'un administrateur fait pour vous sur votre
service : recompiler PHP, installer Zend Optimizer, reconfigurer un multidomaine, vider la file
d'attente de Qmail...

1. **Demandez un devis** à l'assistance commerciale : depuis un ticket
   ([Support assistance](/manager/support/assistance/new/?type=quote_intervention), type
   « Devis d'une intervention d'infogérance ») ou par téléphone au 902 106 113.
2. **Acceptez le devis et payez-le** depuis le Manager.
3. L'intervention **est planifiée aussitôt** et la date vous est communiquée.
4. Une fois terminée, vous recevez la **facture** et le **compte rendu**, visibles aussi sur votre ticket.

Voir aussi [Niveaux de support](/guides/niveles-de-soporte/).
""",
        "related": ["niveles-de-soporte"],
    },
    {
        "slug": "configurar-cuenta-correo",
        "category": "primeros-pasos",
        "title_es": "Configurar una cuenta de correo",
        "title_en": "Set up a mail account",
        "title_fr": "Configurer un compte e-mail",
        "body_es": """\
Para configurar su cuenta de correo en un programa (Thunderbird, Outlook, el móvil):

- **Usuario**: la dirección completa (`nombre@midominio.es`).
- **Entrada (IMAP)**: servidor `mail.midominio.es`, puerto **993**, SSL/TLS.
- **Salida (SMTP)**: servidor `mail.midominio.es`, puerto **587**, STARTTLS, con autenticación.

Si el correo **no sale**, compruebe que el SMTP pide autenticación y que no usa el puerto 25.
Si el servidor no responde en absoluto, [declare un incidente](/manager/support/incident/new/?type=mail_cannot_send).
""",
        "body_en": """\
To set up your mail account in a program (Thunderbird, Outlook, your phone):

- **User name**: the full address (`name@mydomain.com`).
- **Incoming (IMAP)**: server `mail.mydomain.com`, port **993**, SSL/TLS.
- **Outgoing (SMTP)**: server `mail.mydomain.com`, port **587**, STARTTLS, with authentication.

If mail **does not go out**, check that SMTP asks for authentication and does not use port 25.
If the server does not answer at all, [declare an incident](/manager/support/incident/new/?type=mail_cannot_send).
""",
        "body_fr": """\
Pour configurer votre compte e-mail dans un logiciel (Thunderbird, Outlook, votre téléphone) :

- **Identifiant** : l'adresse complète (`nom@mondomaine.fr`).
- **Réception (IMAP)** : serveur `mail.mondomaine.fr`, port **993**, SSL/TLS.
- **Envoi (SMTP)** : serveur `mail.mondomaine.fr`, port **587**, STARTTLS, avec authentification.

Si les messages **ne partent pas**, vérifiez que le SMTP demande l'authentification et n'utilise
pas le port 25. Si le serveur ne répond pas du tout,
[déclarez un incident](/manager/support/incident/new/?type=mail_cannot_send).
""",
        "related": ["cambiar-dns-dominio"],
    },
    {
        "slug": "instalar-sitio",
        "category": "primeros-pasos",
        "title_es": "Instalar un sitio",
        "title_en": "Install a site",
        "title_fr": "Installer un site",
        "body_es": """\
Para instalar un sitio (WordPress u otro) en su alojamiento o servidor:

1. Cree una **base de datos** y anote su usuario y contraseña.
2. Suba los archivos por **FTP/SFTP** a la carpeta pública (`www`).
3. Abra su dominio en el navegador y siga el asistente de instalación.
4. Si el dominio aún no apunta al alojamiento, [cambie sus DNS](/guides/cambiar-dns-dominio/).

¿Necesita que un administrador lo haga por usted? Vea [Infogerencia](/guides/infogerencia/).
""",
        "body_en": """\
To install a site (WordPress or another) on your hosting plan or server:

1. Create a **database** and note its user and password.
2. Upload the files by **FTP/SFTP** to the public folder (`www`).
3. Open your domain in the browser and follow the installer.
4. If the domain does not point to the hosting yet, [change its DNS](/guides/cambiar-dns-dominio/).

Want an administrator to do it for you? See [Managed services](/guides/infogerencia/).
""",
        "body_fr": """\
Pour installer un site (WordPress ou autre) sur votre hébergement ou votre serveur :

1. Créez une **base de données** et notez son utilisateur et son mot de passe.
2. Envoyez les fichiers par **FTP/SFTP** dans le dossier public (`www`).
3. Ouvrez votre domaine dans le navigateur et suivez l'assistant d'installation.
4. Si le domaine ne pointe pas encore vers l'hébergement, [changez ses DNS](/guides/cambiar-dns-dominio/).

Vous préférez qu'un administrateur s'en charge ? Voir [Infogérance](/guides/infogerencia/).
""",
        "related": ["cambiar-dns-dominio", "infogerencia"],
    },
    {
        "slug": "cambiar-dns-dominio",
        "category": "primeros-pasos",
        "title_es": "Cambiar las DNS de un dominio",
        "title_en": "Change a domain's DNS",
        "title_fr": "Changer les DNS d'un domaine",
        "body_es": """\
Los servidores DNS dicen a Internet dónde está su dominio.

1. En el Manager, abra el dominio y la sección **Servidores DNS**.
2. Sustituya los servidores actuales por los nuevos (al menos dos).
3. Guarde. El cambio tarda **hasta 48 horas** en propagarse.

Para cambiar solo una entrada (por ejemplo la `A` de `www` o los `MX` del correo), edite la
**zona DNS** en lugar de los servidores. Si el dominio registrado deja de resolver por completo,
[declare un incidente](/manager/support/incident/new/?type=domain_dns_failure).
""",
        "body_en": """\
DNS servers tell the Internet where your domain lives.

1. In the Manager, open the domain and its **DNS servers** section.
2. Replace the current servers with the new ones (at least two).
3. Save. The change takes **up to 48 hours** to spread.

To change one record only (for example the `A` record of `www` or the mail `MX` records), edit
the **DNS zone** instead of the servers. If the registered domain stops resolving altogether,
[declare an incident](/manager/support/incident/new/?type=domain_dns_failure).
""",
        "body_fr": """\
Les serveurs DNS indiquent à Internet où se trouve votre domaine.

1. Dans le Manager, ouvrez le domaine et sa section **Serveurs DNS**.
2. Remplacez les serveurs actuels par les nouveaux (au moins deux).
3. Enregistrez. La modification met **jusqu'à 48 heures** à se propager.

Pour ne changer qu'un enregistrement (par exemple le `A` de `www` ou les `MX` du courrier),
modifiez la **zone DNS** plutôt que les serveurs. Si le domaine enregistré ne répond plus du tout,
[déclarez un incident](/manager/support/incident/new/?type=domain_dns_failure).
""",
        "related": ["configurar-cuenta-correo", "instalar-sitio"],
    },
]
