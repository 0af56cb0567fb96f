"""`intake completion bash`: print a bash completion script for `intake`.

The script is made from the command line's own parser (its subcommands, options and choices), so
it never lags behind it, and it needs nothing installed: `eval "$(intake completion bash)"` in
~/.bashrc, or the output saved as /etc/bash_completion.d/intake. Completing costs bash no Python
start-up (argcomplete would start Python, and import the command line, at every Tab).
"""

from __future__ import annotations

import argparse
import shlex

from intake.commands.arguments import EXIT_OK, Subparsers, examples


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `completion` subcommand."""
    completion = sub.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print a completion script for bash (zsh: run `autoload -U bashcompinit "
        "&& bashcompinit` first).",
        **examples(
            'eval "$(intake completion bash)"    # in ~/.bashrc',
            "intake completion bash > /etc/bash_completion.d/intake",
        ),
    )
    completion.add_argument("shell", choices=("bash",), help="the shell (only bash for now)")
    completion.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the script."""
    from intake.commands.cli import build_parser

    print(bash_script(build_parser()))
    return EXIT_OK


def _commands(
    parser: argparse.ArgumentParser, path: str
) -> list[tuple[str, list[str], dict[str, tuple[str, ...]]]]:
    """(command path, words offered after it, choices of its options) for `parser` and below."""
    words: list[str] = []
    choices: dict[str, tuple[str, ...]] = {}
    below = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                words.append(name)
                below += _commands(child, f"{path} {name}")
        elif action.option_strings:
            words += [o for o in action.option_strings if o.startswith("--")] or list(
                action.option_strings
            )
            if action.choices:
                for option in action.option_strings:
                    choices[option] = tuple(str(c) for c in action.choices)
        elif action.choices:
            words += [str(c) for c in action.choices]
    return [(path, words, choices), *below]


def bash_script(parser: argparse.ArgumentParser) -> str:
    """The completion function for `parser` (named `intake`) and its `complete` line."""
    commands = _commands(parser, "intake")
    paths = [path for path, _, _ in commands]
    word_cases = "\n".join(
        f"                {shlex.quote(path)}) words={shlex.quote(' '.join(words))} ;;"
        for path, words, _ in commands
    )
    choice_cases = "\n".join(
        f"        {shlex.quote(f'{path} {option}')}) words={shlex.quote(' '.join(values))} ;;"
        for path, _, options in commands
        for option, values in options.items()
    )
    known = "|".join(shlex.quote(path) for path in paths[1:])
    return f"""# bash completion for intake (made by: intake completion bash)
_intake_complete() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
    local path=intake i words=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "$path ${{COMP_WORDS[i]}}" in
            {known}) path="$path ${{COMP_WORDS[i]}}" ;;
        esac
    done
    case "$path $prev" in
{choice_cases}
        *)
            case "$path" in
{word_cases}
            esac
            [[ $cur == -* ]] || words=$(printf '%s\\n' $words | grep -v -- '^-') ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -o default -F _intake_complete intake"""
