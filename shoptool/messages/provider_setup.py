"""Building the configured SMS provider for a run or a reconcile, with the SDKs' request
logging (phone numbers in it) held back.
"""

from __future__ import annotations

import logging

# Loggers of the SDKs that would write requests (phone numbers included) at DEBUG.
_SDK_LOGGERS = ("tencentcloud_sdk_common", "darabonba-core", "alibabacloud_tea_openapi", "urllib3")


def build_provider(settings, name: str | None = None):
    """The configured provider, its SDK's chatty loggers held at INFO: Tencent's SDK logs every
    request at DEBUG and Aliyun's core library writes request URLs (phone numbers in them)."""
    from .providers import make_provider

    provider = make_provider(name, settings, base_dir=settings.shop_dir)
    for logger_name in _SDK_LOGGERS:
        logger = logging.getLogger(logger_name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    return provider
