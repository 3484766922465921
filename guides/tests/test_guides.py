"""The knowledge base: first articles, public pages, drafts, search and suggestions."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from guides import queries
from guides.content import ARTICLES
from guides.loader import load_articles
from guides.models import Article, ArticleCategory, ArticleStatus

SLUGS = {
    "niveles-de-soporte",
    "contactar-soporte",
    "infogerencia",
    "configurar-cuenta-correo",
    "instalar-sitio",
    "cambiar-dns-dominio",
}


@pytest.fixture
def loaded(db):  # type: ignore[no-untyped-def]
    load_articles()


def test_the_first_articles_are_loaded_once_and_edits_are_kept(db):
    assert load_articles() == len(ARTICLES)
    assert set(Article.objects.published().values_list("slug", flat=True)) == SLUGS
    Article.objects.filter(slug="infogerencia").update(title_es="Infogerencia (editado)")
    assert load_articles() == 0
    assert Article.objects.get(slug="infogerencia").title_es == "Infogerencia (editado)"


def test_every_article_is_translated_and_every_internal_guide_link_resolves(db):
    import re

    for item in ARTICLES:
        for lang in ("es", "en", "fr"):
            assert item[f"title_{lang}"] and item[f"body_{lang}"], (item["slug"], lang)  # type: ignore[literal-required]
            for slug in re.findall(r"\(/guides/([a-z0-9-]+)/\)", item[f"body_{lang}"]):  # type: ignore[literal-required]
                assert slug in SLUGS, (item["slug"], lang, slug)


def test_setup_desk_loads_the_guides(db):
    call_command("setup_desk", verbosity=0)
    assert Article.objects.filter(slug="niveles-de-soporte", status="published").exists()


def test_every_category_guide_slug_of_the_levels_fixture_exists(desk, loaded):
    from levels.models import Category

    wanted = set(Category.objects.exclude(guide_slug="").values_list("guide_slug", flat=True))
    assert wanted <= set(Article.objects.values_list("slug", flat=True))


def test_the_index_and_an_article_render_in_the_visitors_language(client, loaded):
    page = client.get(reverse("guides:index"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Support levels" in page and "Contacting support" in page
    page = client.get(reverse("guides:article", args=["niveles-de-soporte"]), HTTP_ACCEPT_LANGUAGE="fr").text
    assert "<h1>Niveaux de support</h1>" in page
    assert 'href="/guides/infogerencia/"' in page  # links between articles
    assert 'href="/manager/support/incident/new/"' in page  # the direct link
    assert "902 906 033" in page
    page = client.get(reverse("guides:article", args=["niveles-de-soporte"]), HTTP_ACCEPT_LANGUAGE="es").text
    assert "24 horas al día, todos los días del año" in page
    assert "Contactar con el soporte" in page  # related articles


def test_a_missing_translation_falls_back_to_spanish(client, loaded):
    Article.objects.filter(slug="instalar-sitio").update(title_fr="", body_fr="")
    page = client.get(reverse("guides:article", args=["instalar-sitio"]), HTTP_ACCEPT_LANGUAGE="fr").text
    assert "<h1>Instalar un sitio</h1>" in page


def test_drafts_are_hidden_from_the_public_and_previewed_by_staff(client, desk, loaded):
    category = ArticleCategory.objects.get(slug="soporte")
    Article.objects.create(slug="borrador", category=category, title_es="Borrador", body_es="texto secreto")
    assert client.get(reverse("guides:article", args=["borrador"])).status_code == 404
    assert "Borrador" not in client.get(reverse("guides:index")).text
    assert queries.search("secreto") == []
    client.force_login(desk.l2)
    assert "Draft" in client.get(reverse("guides:article", args=["borrador"]), HTTP_ACCEPT_LANGUAGE="en").text


def test_search_ranks_title_matches_first_and_is_bounded(loaded):
    results = queries.search("Cambiar las DNS de un dominio", language="es")
    assert results[0].slug == "cambiar-dns-dominio"
    assert len(queries.search("de la el soporte servidor correo dominio sitio", language="es", limit=2)) == 2
    assert queries.search("", language="es") == [] and queries.search("a de", language="es") == []
    assert queries.search("mail account", language="en")[0].slug == "configurar-cuenta-correo"


def test_the_search_page(client, loaded):
    page = client.get(reverse("guides:index"), {"q": "Qmail"}, HTTP_ACCEPT_LANGUAGE="es").text
    assert 'href="/guides/infogerencia/"' in page
    page = client.get(reverse("guides:index"), {"q": "zzzzqqq"}, HTTP_ACCEPT_LANGUAGE="en").text
    assert "No guide matches" in page


def test_suggestions_by_query_type_then_by_text(client, desk, loaded):
    response = client.get(reverse("guides:suggest"), {"type": "install_site", "q": "correo", "format": "json"})
    slugs = [r["slug"] for r in response.json()["results"]]
    assert slugs[0] == "instalar-sitio" and "configurar-cuenta-correo" in slugs
    html = client.get(reverse("guides:suggest"), {"q": "DNS"}).text
    assert 'href="/guides/cambiar-dns-dominio/"' in html
    assert client.get(reverse("guides:suggest"), {"type": "no-such", "q": "x" * 5000}).status_code == 200


def test_a_draft_is_never_suggested(db, loaded):
    Article.objects.filter(slug="instalar-sitio").update(status=ArticleStatus.DRAFT)
    assert [a.slug for a in queries.suggestions(guide_slug="instalar-sitio", text="")] == []
