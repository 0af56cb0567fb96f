"""`intake web`: the staff web console (serve it; add, reset, lock and unlock staff accounts).

`intake web` serves the console with waitress on 127.0.0.1:8080 (put it behind a TLS reverse
proxy, with `--behind-proxy`, to reach it from elsewhere). There is no default account: the
first admin is made with `intake web add-user NAME --office CODE --admin`.
"""

from __future__ import annotations

import argparse
import copy
import getpass
import sys

from intake.commands.arguments import EXIT_FAILED, EXIT_OK, Subparsers, examples, settings_of


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `web` subcommand: serve, and the account commands."""
    web = sub.add_parser(
        "web",
        parents=[common],
        help="the staff web console (serve it, manage its accounts)",
        description="Serve the staff web console, or manage its accounts. Without a "
        "subcommand it serves on 127.0.0.1:8080.",
        **examples(
            "intake web --config /etc/intake/intake.toml",
            "intake web --port 8081 --behind-proxy",
            "intake web add-user liyan --office 130500 --admin",
        ),
    )
    _serve_options(web)
    web.set_defaults(handler=handle_serve)
    web_sub = web.add_subparsers(dest="web_command", metavar="COMMAND")
    common = _keeping(common)
    serve = web_sub.add_parser(
        "serve",
        parents=[common],
        help="serve the console (the default)",
        **examples("intake web serve --host 127.0.0.1 --port 8080"),
    )
    _serve_options(serve)
    serve.set_defaults(handler=handle_serve)
    add = web_sub.add_parser(
        "add-user",
        parents=[common],
        help="add a staff account (password prompted, or read from standard input)",
        **examples(
            "intake web add-user liyan --office 130500 --admin",
            "printf '%s\\n' \"$PW\" | intake web add-user zhoubing --office 130503 --password-stdin",
        ),
    )
    add.add_argument("name", help="the user name (letters, digits, . _ @ -)")
    add.add_argument(
        "--office", required=True, metavar="CODE", help="the office code (130500: every office)"
    )
    add.add_argument("--admin", action="store_true", help="may manage accounts and see mailboxes")
    _password_option(add)
    add.set_defaults(handler=handle_add)
    reset = web_sub.add_parser(
        "reset-password",
        parents=[common],
        help="set a new password; ends the account's sessions",
        **examples("intake web reset-password liyan"),
    )
    reset.add_argument("name", help="the user name")
    _password_option(reset)
    reset.set_defaults(handler=handle_reset)
    for verb, words in (
        ("lock", "lock an account; ends its sessions"),
        ("unlock", "unlock an account"),
    ):
        parser = web_sub.add_parser(
            verb, parents=[common], help=words, **examples(f"intake web {verb} liyan")
        )
        parser.add_argument("name", help="the user name")
        parser.set_defaults(handler=handle_lock if verb == "lock" else handle_unlock)


def _keeping(common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The common options for the account commands, without defaults of their own: an option
    given before the command (`intake web --config FILE add-user ...`) is kept, not reset."""
    keeping = copy.deepcopy(common)
    for action in keeping._actions:
        action.default = argparse.SUPPRESS
    return keeping


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080)")
    parser.add_argument(
        "--behind-proxy",
        action="store_true",
        help="trust one reverse proxy's X-Forwarded-For/-Proto/-Host/-Prefix headers",
    )
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default: 8)")


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of prompting",
    )


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("intake: the two passwords differ; nothing was changed")
    return first


def _accounts(args: argparse.Namespace, change: object) -> int:
    """Open the store, run `change(db, actor, now)` on the accounts, report an AccountError."""
    from intake.privacy.audit import os_user
    from intake.runtime.service import open_deployment
    from intake.web.accounts import AccountError

    deployment = open_deployment(settings_of(args), mailboxes=False, actor=os_user())
    try:
        with deployment.store.session() as db:
            change(db, os_user(), deployment.clock())  # type: ignore[operator]
    except AccountError as error:
        print(f"intake: {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        deployment.close()
    return EXIT_OK


def handle_add(args: argparse.Namespace) -> int:
    """Add an account."""
    from intake.web import accounts

    password = _password(args)
    status = _accounts(
        args,
        lambda db, actor, now: accounts.add_account(
            db, args.name, args.office, args.admin, password, actor, now
        ),
    )
    if status == EXIT_OK:
        print(f"added {args.name} (office {args.office}{', admin' if args.admin else ''})")
    return status


def handle_reset(args: argparse.Namespace) -> int:
    """Set a new password."""
    from intake.web import accounts

    password = _password(args)
    status = _accounts(
        args, lambda db, actor, now: accounts.reset_password(db, args.name, password, actor, now)
    )
    if status == EXIT_OK:
        print(f"password of {args.name} set; its sessions are ended")
    return status


def handle_lock(args: argparse.Namespace) -> int:
    """Lock an account."""
    from intake.web import accounts

    status = _accounts(
        args, lambda db, actor, now: accounts.set_locked(db, args.name, True, actor, now)
    )
    if status == EXIT_OK:
        print(f"{args.name} locked; its sessions are ended")
    return status


def handle_unlock(args: argparse.Namespace) -> int:
    """Unlock an account."""
    from intake.web import accounts

    status = _accounts(
        args, lambda db, actor, now: accounts.set_locked(db, args.name, False, actor, now)
    )
    if status == EXIT_OK:
        print(f"{args.name} unlocked")
    return status


def handle_serve(args: argparse.Namespace) -> int:
    """Serve the console until interrupted."""
    import waitress

    from intake.runtime.service import open_deployment
    from intake.web.app import WebOptions, create_app

    deployment = open_deployment(settings_of(args), mailboxes=False, actor="web")
    try:
        app = create_app(deployment, WebOptions(behind_proxy=args.behind_proxy))
        print(f"intake web: serving on http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
        waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="intake")
    finally:
        deployment.close()
    return EXIT_OK
