"""A package whose app lives in pkg_demo.main."""
