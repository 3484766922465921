"""The desk's own date and number formats by language (``FORMAT_MODULE_PATH``), where Django's
differ from what the desk's readers expect; a language without a module here keeps Django's."""
