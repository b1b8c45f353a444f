"""The runtime stacks of "Create Web App" (Basics > Runtime stack), per era,
and how ARM writes each on a site's ``siteConfig``.

A stack runs on Linux, on Windows or on both: the wizard's Operating
System follows it (a Windows-only stack greys Linux and the other way
round). On Linux ARM names the stack in ``linuxFxVersion`` ("PYTHON|3.12");
on Windows in version properties (``netFrameworkVersion``, ``phpVersion``,
``javaVersion``...) with the portal's ``CURRENT_STACK`` metadata. The
Classic lists are the 2021 portal's, the Current ones 2026's; an app keeps
its stack when the era changes (Azure doesn't move a running app off a
retired version), so every stack of both lists is known to ARM import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LINUX, WINDOWS = "Linux", "Windows"
BOTH = (LINUX, WINDOWS)


@dataclass(frozen=True)
class Runtime:
    key: str  # what the app stores
    label: str  # the wizard's option
    group: str  # the drop-down's heading
    systems: tuple[str, ...]
    linux_fx: str = ""  # siteConfig.linuxFxVersion on Linux
    windows: dict[str, str] = field(default_factory=dict)  # siteConfig on Windows
    current_stack: str = ""  # the CURRENT_STACK metadata on Windows

    def site_config(self, os_name: str) -> dict:
        """The ``siteConfig`` properties ARM writes for this stack on ``os_name``."""
        if os_name == LINUX:
            return {"linuxFxVersion": self.linux_fx}
        return {**self.windows, "metadata": [{"name": "CURRENT_STACK", "value": self.current_stack}]}


def _dotnet(version: str, label: str) -> Runtime:
    return Runtime(
        f"dotnet|{version}",
        label,
        ".NET",
        BOTH,
        f"DOTNETCORE|{version}.0",
        {"netFrameworkVersion": f"v{version}.0"},
        "dotnet",
    )


def _aspnet(version: str, framework: str) -> Runtime:
    return Runtime(
        f"aspnet|{version}", f"ASP.NET V{version}", ".NET", (WINDOWS,), "", {"netFrameworkVersion": framework}, "dotnet"
    )


def _java(version: str, linux_fx: str) -> Runtime:
    windows = {"javaVersion": version, "javaContainer": "JAVA", "javaContainerVersion": "SE"}
    return Runtime(f"java|{version}", f"Java {version}", "Java", BOTH, linux_fx, windows, "java")


def _node(version: str) -> Runtime:
    return Runtime(
        f"node|{version}-lts",
        f"Node {version} LTS",
        "Node",
        BOTH,
        f"NODE|{version}-lts",
        {"nodeVersion": f"~{version}"},
        "node",
    )


def _php(version: str, systems: tuple[str, ...]) -> Runtime:
    return Runtime(f"php|{version}", f"PHP {version}", "PHP", systems, f"PHP|{version}", {"phpVersion": version}, "php")


def _linux_only(language: str, version: str) -> Runtime:
    return Runtime(
        f"{language.lower()}|{version}", f"{language} {version}", language, (LINUX,), f"{language.upper()}|{version}"
    )


ASPNET = [_aspnet("4.8", "v4.0"), _aspnet("3.5", "v2.0")]

CLASSIC = [
    _dotnet("5", ".NET 5"),
    Runtime(
        "dotnetcore|3.1",
        ".NET Core 3.1 (LTS)",
        ".NET",
        BOTH,
        "DOTNETCORE|3.1",
        {"netFrameworkVersion": "v4.0"},
        "dotnetcore",
    ),
    *ASPNET,
    _java("11", "JAVA|11-java11"),
    _java("8", "JAVA|8-jre8"),
    _node("14"),
    _node("12"),
    _php("7.4", BOTH),
    _php("7.3", BOTH),
    _linux_only("Python", "3.9"),
    _linux_only("Python", "3.8"),
    _linux_only("Python", "3.7"),
    _linux_only("Ruby", "2.7"),
    _linux_only("Ruby", "2.6"),
]

CURRENT = [
    _dotnet("9", ".NET 9 (STS)"),
    _dotnet("8", ".NET 8 (LTS)"),
    *ASPNET,
    _java("21", "JAVA|21-java21"),
    _java("17", "JAVA|17-java17"),
    _java("11", "JAVA|11-java11"),
    _node("22"),
    _node("20"),
    # PHP on Windows ended with PHP 7.4 (November 2022): PHP 8 runs on Linux only.
    _php("8.3", (LINUX,)),
    _php("8.2", (LINUX,)),
    _linux_only("Python", "3.13"),
    _linux_only("Python", "3.12"),
    _linux_only("Python", "3.11"),
]

RUNTIMES = {runtime.key: runtime for runtime in CLASSIC + CURRENT}


def offered(era: str) -> list[Runtime]:
    """The stacks the era's wizard offers, in the portal's order."""
    return CURRENT if era == "current" else CLASSIC


def from_site_config(os_name: str, config: dict) -> Runtime | None:
    """The stack a site's ``siteConfig`` names on ``os_name``, or None when
    it names none. Raises ``LookupError`` for one the lab doesn't know."""
    if os_name == LINUX:
        fx = str(config.get("linuxFxVersion") or "")
        if not fx:
            return None
        found = next((r for r in RUNTIMES.values() if r.linux_fx.lower() == fx.lower()), None)
        if found is None:
            raise LookupError(fx)
        return found
    metadata = config.get("metadata") or []
    current = next(
        (
            str(item.get("value", ""))
            for item in metadata
            if isinstance(item, dict) and item.get("name") == "CURRENT_STACK"
        ),
        "",
    )
    if not current:
        return None
    for runtime in RUNTIMES.values():
        if runtime.current_stack == current.lower() and all(
            str(config.get(name, "")).lower() == value.lower() for name, value in runtime.windows.items()
        ):
            return runtime
    raise LookupError(current)
