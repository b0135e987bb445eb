"""Map the fixed top-level folders onto the `circleci_v2` namespace.

`migrate`, `shim` and `rules` are taken on PyPI, so the folders install as
circleci_v2.migrate, circleci_v2.shim and circleci_v2.rules. Everything else
lives in pyproject.toml; this file only lists the packages, so that a new
sub-package is picked up without editing a list by hand.
"""
import os

from setuptools import setup

TOP_LEVEL = ("migrate", "shim", "rules")


def namespaced_packages():
    package_dir = {}
    packages = []
    for folder in TOP_LEVEL:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
            if "__init__.py" not in files:
                continue
            name = "circleci_v2." + root.replace(os.sep, ".")
            packages.append(name)
            package_dir[name] = root
    return packages, package_dir


packages, package_dir = namespaced_packages()
setup(packages=packages, package_dir=package_dir)
