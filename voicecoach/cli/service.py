"""`voicecoach service install|uninstall|status`: `voicecoach serve` as a systemd user service.
Problems are `ServiceError`s, which the main command prints in one line."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from ..hearing.vosk_models import problems_with
from ..service import (
    FOLLOW_LOG,
    UNIT_NAME,
    Finding,
    Host,
    InstallReport,
    Outcome,
    ServiceError,
    ServiceStatus,
    find_executable,
    install,
    real_host,
    status,
    uninstall,
)

_MARK = {Outcome.OK: "ok", Outcome.NEEDS_FIX: "FIX", Outcome.UNKNOWN: "??"}


def add_service_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    about = "run `voicecoach serve` at every boot as a systemd user service (a Pi with no screen)"
    service = sub.add_parser("service", help=about, description=about)
    actions = service.add_subparsers(dest="service_action", metavar="ACTION", required=True)
    installing = actions.add_parser(
        "install", help="write the unit, enable it and start the coach now",
        description="Options given here are fixed into the unit; anything else comes from your "
        "settings (`voicecoach config`) each time the coach starts.")
    installing.add_argument("--print", action="store_true", dest="print_only",
                            help="only print the unit and where it would go; change nothing")
    # Other dests than `device`, `backend`...: the main command fills those from the settings,
    # and a value fixed into the unit would then shadow every later `voicecoach config set`.
    installing.add_argument("--device", dest="serve_device", metavar="NAME-OR-INDEX",
                            help="the microphone (see `voicecoach devices`)")
    installing.add_argument("--output-device", dest="serve_output_device",
                            metavar="NAME-OR-INDEX", help="the loudspeaker")
    installing.add_argument("--backend", dest="serve_backend",
                            choices=["auto", "vosk", "pocketsphinx"], help="speech recogniser")
    installing.add_argument("--model", dest="serve_model", metavar="PATH",
                            help="a Vosk model folder (made absolute)")
    actions.add_parser("uninstall", help="stop and disable the service and remove its unit")
    showing = actions.add_parser("status", help="installed? enabled? running? and its last log")
    showing.add_argument("--json", action="store_true", help="everything as JSON")
    service.set_defaults(run=run_service)


def serve_arguments(args: argparse.Namespace, cwd: Path) -> list[str]:
    """The options of `install` that `serve` should be started with."""
    arguments: list[str] = []
    for option, value in (("--device", args.serve_device),
                          ("--output-device", args.serve_output_device),
                          ("--backend", args.serve_backend)):
        if value is not None:
            arguments += [option, str(value)]
    if args.serve_model is not None:
        model = cwd / Path(args.serve_model).expanduser()
        issues = problems_with(model)
        if issues:  # better now than a service that fails five times at boot
            raise ServiceError(f"--model: {'; '.join(issues)}. Fix: give the folder the model's "
                               "zip unpacked to, or install it with `voicecoach model install`")
        arguments += ["--model", str(model)]
    return arguments


def run_service(args: argparse.Namespace, out: Console, host: Host | None = None,
                executable: Path | None = None) -> int:
    """`host` and `executable` are the machine and the script to run (fakes in tests)."""
    host = host or real_host()
    if args.service_action == "install":
        extra = serve_arguments(args, host.cwd)
        report = install(executable or find_executable(), extra, host, print_only=args.print_only)
        _show_install(report, out)
    elif args.service_action == "uninstall":
        removed = uninstall(host)
        if not removed.removed:
            _say(out, f"voicecoach is not installed as a service ({removed.path} does not "
                      "exist): nothing to do.")
        else:
            if removed.disable_problem:
                _say(out, f"systemctl could not stop it: {removed.disable_problem}")
            _say(out, f"Stopped and disabled {UNIT_NAME}; removed {removed.path}.")
    else:
        current = status(host)
        if args.json:
            out.file.write(json.dumps(current.as_json(), indent=2, ensure_ascii=False) + "\n")
        else:
            _show_status(current, out)
    return 0


def _say(out: Console, text: str) -> None:
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _show_findings(found: Sequence[Finding], out: Console) -> None:
    for finding in found:
        fix = f"  Fix: {finding.fix}" if finding.fix and finding.outcome != Outcome.OK else ""
        _say(out, f"[{_MARK[finding.outcome]}] {finding.check}: {finding.detail}.{fix}")


def _show_install(report: InstallReport, out: Console) -> None:
    if not report.written:
        # Comment lines keep the output a valid unit: `--print > voicecoach.service` works.
        where = "replacing the one there" if report.replaced else "which does not exist yet"
        out.file.write(f"# To install by hand: save this as {report.path} ({where}), then\n"
                       "#   systemctl --user daemon-reload && systemctl --user enable --now "
                       f"{UNIT_NAME}\n{report.unit}")
        return
    again = " (replaced the previous unit)" if report.replaced else ""
    _say(out, f"Wrote {report.path}{again}.")
    _say(out, f"Enabled and started {UNIT_NAME}: the coach is listening.")
    _show_findings(report.findings, out)
    _say(out, f"Follow its log: {FOLLOW_LOG}")


def _show_status(current: ServiceStatus, out: Console) -> None:
    where = "installed" if current.installed else "not installed"
    _say(out, f"unit file: {current.path} ({where})")
    if current.command:
        _say(out, f"runs: {current.command}")
    _say(out, f"enabled: {current.enabled}")
    _say(out, f"active: {current.active}")
    _show_findings(current.findings, out)
    if current.log:
        _say(out, "last log lines:")
        for line in current.log:
            _say(out, f"  {line}")
    elif current.installed:
        _say(out, f"no log lines found; try: {FOLLOW_LOG}")
