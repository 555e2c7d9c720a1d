"""shoptool: daily customer-service operations for a Taobao/Tmall-style shop."""

__version__ = "0.1.0"
