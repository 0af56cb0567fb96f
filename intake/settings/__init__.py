"""The admin-edited configuration (`config/intake.toml`): the values the program reads
(`model`), the keys the file may hold (`keys`), and reading and checking the file (`loader`).

This module names what the rest of the program imports; every mistake in the file becomes a
`ConfigProblem` naming the file, line and key, and saying how to fix it.
"""

from intake.settings.keys import EMAIL_RE
from intake.settings.loader import config_path, key_problems, load_settings, settings_from_data
from intake.settings.model import (
    DEFAULT_FOLDERS,
    JUNK_FOLDER,
    ClusterSettings,
    ConfigProblem,
    Endpoint,
    LimitsSettings,
    OcrSettings,
    OfficeSettings,
    RetentionSettings,
    ScheduleSettings,
    Security,
    SendingSettings,
    Settings,
    Severity,
    StorageSettings,
)

__all__ = [
    "DEFAULT_FOLDERS",
    "EMAIL_RE",
    "JUNK_FOLDER",
    "ClusterSettings",
    "ConfigProblem",
    "Endpoint",
    "LimitsSettings",
    "OcrSettings",
    "OfficeSettings",
    "RetentionSettings",
    "ScheduleSettings",
    "Security",
    "SendingSettings",
    "Settings",
    "Severity",
    "StorageSettings",
    "config_path",
    "key_problems",
    "load_settings",
    "settings_from_data",
]
