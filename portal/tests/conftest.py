import pytest


@pytest.fixture
def guides_loaded(db):  # type: ignore[no-untyped-def]
    from guides.loader import load_articles

    load_articles()


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Attachments go to a throwaway directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path
