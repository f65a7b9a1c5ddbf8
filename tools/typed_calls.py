"""Write ``haoee_kling_api/calls.py``: typed parameters and typed namespace calls, from the spec.

Used by ``tools/generate.py`` (``make generate``); never run by hand. For every request body the
spec describes, a ``TypedDict`` of its fields (``Required`` for required ones, ``Literal`` for
closed enums, ``Literal[...] | str`` for open ones, nested ``TypedDict`` for objects, a media
union for ``x-kling-media`` fields); for every task kind, a class of the five calls a namespace
has (``create``, ``create_and_wait``, ``get``, ``list``, ``wait``), blocking and awaited, whose
``create`` takes the body's fields as ``**fields: Unpack[...]`` with the spec's descriptions in
its docstring. Each class is built with a runner, the overlay's object that runs its calls,
typed by a ``Protocol`` written here (``KindRunner``, ``AsyncKindRunner``, ``InstantRunner``,
...: one method per call): mypy checks both the typed call and the overlay's runner, and an
editor goes from ``kling.text2video.create`` to the runner's ``create``. No call is dispatched by
name: the generated side knows the wire format, the overlay how to send it.

Synchronous operations marked ``x-kling-instant: <namespace>`` (text to speech, image recognize,
identify-face) get a class with one typed ``create`` returning the model of their answer's
``data``: there is no task to get, list or wait for. One marked ``x-kling-instant:
<kind>.<method>`` (the custom-voice delete) is one more method of that task kind's class,
taking the body's required fields as parameters and its optional ones as keywords.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import Any

_HEADER = """\"\"\"Typed parameters and namespace calls, one class per task kind (from the spec).

Written by tools/typed_calls.py during `make generate`. Each class is built with a runner, the
overlay's object that runs its calls, typed by the protocols below (`KindRunner`,
`AsyncKindRunner`, `InstantRunner`, ...: one method per call). These classes say what a call
takes and returns, so editors complete every field and type checkers check both the call and
the runner.
\"\"\"

from __future__ import annotations

from collections.abc import Callable, Mapping
from os import PathLike
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    Literal,
    NotRequired,
    Protocol,
    Required,
    TypedDict,
    TypeVar,
    Unpack,
)

from .types import UNSET, Unset

if TYPE_CHECKING:
    from .models.task import Task
%(models)s
# A local file, its bytes, raw base64 or a public URL: the overlay checks and encodes it.
MediaInput = str | bytes | PathLike[str]
PageT = TypeVar("PageT")
PageT_co = TypeVar("PageT_co", covariant=True)
ResultT = TypeVar("ResultT")
ResultT_co = TypeVar("ResultT_co", covariant=True)
"""

# What the overlay provides, blocking and awaited: written once, rendered for each.
_RUNNERS = """

class {flavour}KindRunner(Protocol[PageT_co]):
    \"\"\"What the overlay provides to run a task kind's calls, {how}: one method per call,
    taking what the typed call took (the create's fields as one mapping).\"\"\"

    {prefix}def create(
        self,
        body: Any,
        /,
        *,
        external_task_id: str | None,
        model_name_header: str | None | Unset,
        on_submitted: Callable[[Task], object] | None,
        on_progress: Callable[[Any], object] | None,
        fields: Mapping[str, Any],
    ) -> Task: ...

    {prefix}def create_and_wait(
        self,
        body: Any,
        /,
        *,
        external_task_id: str | None,
        model_name_header: str | None | Unset,
        timeout: float | None | Unset,
        on_progress: Callable[[Any], object] | None,
        on_submitted: Callable[[Task], object] | None,
        via: Any,
        fields: Mapping[str, Any],
    ) -> Task: ...

    {prefix}def get(self, task_id: str, *, model_name_header: str | None | Unset) -> Task: ...

    {prefix}def list(
        self, *, page_num: int, page_size: int, model_name_header: str | None | Unset
    ) -> PageT_co: ...

    {prefix}def wait(
        self,
        task_id: str,
        *,
        timeout: float | None | Unset,
        on_progress: Callable[[Any], object] | None,
        via: Any,
    ) -> Task: ...


class {flavour}InstantRunner(Protocol[ResultT_co]):
    \"\"\"What the overlay provides to run a call answered at once, {how}.\"\"\"

    {prefix}def create(
        self, body: Any, /, *, model_name_header: str | None | Unset, fields: Mapping[str, Any]
    ) -> ResultT_co: ...
"""

_BASE = """

class KindCalls(Generic[PageT]):
    \"\"\"The calls every task kind has, blocking (`get`, `list`, `wait`), run by `runner`.\"\"\"

    kind: str
    \"\"\"The task kind (the spec's `x-kling-kind`).\"\"\"

    def __init__(self, runner: KindRunner[PageT]) -> None:
        self._runner = runner

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind}>"

    def get(self, task_id: str, *, model_name_header: str | None | Unset = UNSET) -> Task:
        \"\"\"Read one task by id (free; retried on transient errors).

        Args:
            task_id: the task's id.
            model_name_header: haoee `ModelName` to send instead of the remembered one.

        Returns:
            The task, read tolerantly (only its id and status are required).
        \"\"\"
        return self._runner.get(task_id, model_name_header=model_name_header)

    def list(
        self,
        *,
        page_num: int = 1,
        page_size: int = 30,
        model_name_header: str | None | Unset = UNSET,
    ) -> PageT:
        \"\"\"One page of this kind's tasks, newest first.

        Args:
            page_num: the page, from 1.
            page_size: tasks per page, 1 to 500.
            model_name_header: haoee `ModelName` to send instead of the remembered one.

        Returns:
            The readable tasks; `.skipped` lists the items that could not be read.
        \"\"\"
        return self._runner.list(
            page_num=page_num, page_size=page_size, model_name_header=model_name_header
        )

    def wait(
        self,
        task_id: str,
        *,
        timeout: float | None | Unset = UNSET,
        on_progress: Callable[[Any], object] | None = None,
        via: Any = None,
    ) -> Task:
        \"\"\"Poll a task until it succeeds.

        Args:
            task_id: the task's id.
            timeout: overall deadline in seconds (default: the client's `wait_timeout`; None
                waits without one).
            on_progress: called with a `ProgressEvent` after every poll.
            via: a `CallbackReceiver`: the wait ends on the task's callback and polls only
                every `safety_interval` seconds, in case the callback is lost.

        Returns:
            The succeeded task.

        Raises:
            TaskFailedError: the task failed. WaitTimeoutError: the deadline passed.
        \"\"\"
        return self._runner.wait(task_id, timeout=timeout, on_progress=on_progress, via=via)


class AsyncKindCalls(Generic[PageT]):
    \"\"\"The calls every task kind has, awaited (`get`, `list`, `wait`), run by `runner`.\"\"\"

    kind: str
    \"\"\"The task kind (the spec's `x-kling-kind`).\"\"\"

    def __init__(self, runner: AsyncKindRunner[PageT]) -> None:
        self._runner = runner

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind}>"

    async def get(
        self, task_id: str, *, model_name_header: str | None | Unset = UNSET
    ) -> Task:
        \"\"\"Read one task by id (see `KindCalls.get`).\"\"\"
        return await self._runner.get(task_id, model_name_header=model_name_header)

    async def list(
        self,
        *,
        page_num: int = 1,
        page_size: int = 30,
        model_name_header: str | None | Unset = UNSET,
    ) -> PageT:
        \"\"\"One page of this kind's tasks, newest first (see `KindCalls.list`).\"\"\"
        return await self._runner.list(
            page_num=page_num, page_size=page_size, model_name_header=model_name_header
        )

    async def wait(
        self,
        task_id: str,
        *,
        timeout: float | None | Unset = UNSET,
        on_progress: Callable[[Any], object] | None = None,
        via: Any = None,
    ) -> Task:
        \"\"\"Poll a task until it succeeds (see `KindCalls.wait`).\"\"\"
        return await self._runner.wait(
            task_id, timeout=timeout, on_progress=on_progress, via=via
        )


class InstantCalls(Generic[ResultT]):
    \"\"\"A call answered at once (no task), blocking, run by `runner`.\"\"\"

    def __init__(self, runner: InstantRunner[ResultT]) -> None:
        self._runner = runner

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class AsyncInstantCalls(Generic[ResultT]):
    \"\"\"A call answered at once (no task), awaited, run by `runner`.\"\"\"

    def __init__(self, runner: AsyncInstantRunner[ResultT]) -> None:
        self._runner = runner

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"
"""

_CREATE = '''
    {prefix}def create(
        self,
        body: {body_model} | Mapping[str, Any] | None = None,
        /,
        *,
        external_task_id: str | None = None,
        model_name_header: str | None | Unset = UNSET,
        on_submitted: Callable[[Task], object] | None = None,
        on_progress: Callable[[Any], object] | None = None,
        **fields: Unpack[{fields}],
    ) -> Task:
        """{summary}.

{description}
        Args:
            body: the whole request as a `{body_model}` or a dict, instead of keywords.
            external_task_id: your id for the task (unique per account); one is generated when
                omitted, and a create is never sent twice.
            model_name_header: haoee `ModelName` to send instead of the one derived from the model.
            on_submitted: called with the task as soon as it exists.
            on_progress: called with a `SubmitProgress` while the create waits to be sent again
                (for a concurrency slot, code 1303, or after a rate limit).
            **fields: the request's fields (media as a URL, raw base64, bytes or a local path):

{field_docs}
        Returns:
            The new task (status `submitted`).

        Raises:
            InvalidRequestError: before any request, naming every field that breaks a rule.
            APIError, APIConnectionError: carrying `external_task_id` (and `task_id` once known).
        """
        return {awaiting}self._runner.create(
            body,
            external_task_id=external_task_id,
            model_name_header=model_name_header,
            on_submitted=on_submitted,
            on_progress=on_progress,
            fields=fields,
        )

    {prefix}def create_and_wait(
        self,
        body: {body_model} | Mapping[str, Any] | None = None,
        /,
        *,
        external_task_id: str | None = None,
        model_name_header: str | None | Unset = UNSET,
        timeout: float | None | Unset = UNSET,
        on_progress: Callable[[Any], object] | None = None,
        on_submitted: Callable[[Task], object] | None = None,
        via: Any = None,
        **fields: Unpack[{fields}],
    ) -> Task:
        """`create`, then `wait` for the task; every error after the create carries its id.

        Takes what `create` takes (the fields are listed there), plus `timeout` (seconds; default:
        the client's `wait_timeout`; None waits without one). `on_progress` is called with a
        `SubmitProgress` while the create waits to be sent again, then with a `ProgressEvent` at
        once when the task exists and after every poll. `via` (a `CallbackReceiver`) ends the
        wait on the task's callback, fills `callback_url` with the receiver's `url` when none is
        given, and keeps polling only every `safety_interval` seconds.
        """
        return {awaiting}self._runner.create_and_wait(
            body,
            external_task_id=external_task_id,
            model_name_header=model_name_header,
            timeout=timeout,
            on_progress=on_progress,
            on_submitted=on_submitted,
            via=via,
            fields=fields,
        )
'''


_INSTANT = '''
    {prefix}def create(
        self,
        body: {body_model} | Mapping[str, Any] | None = None,
        /,
        *,
        model_name_header: str | None | Unset = UNSET,
        **fields: Unpack[{fields}],
    ) -> {result}:
        """{summary}.

{description}
        Args:
            body: the whole request as a `{body_model}` or a dict, instead of keywords.
            model_name_header: haoee `ModelName` to send instead of the default one.
            **fields: the request's fields (media as a URL, raw base64, bytes or a local path):

{field_docs}
        Returns:
            The answer's `data`, read tolerantly: {returns}

        Raises:
            InvalidRequestError: before any request, naming every field that breaks a rule.
            APIError, APIConnectionError: the call failed; it is billed and synchronous, so it is
                retried only when it provably did not start.
        """
        return {awaiting}self._runner.create(
            body, model_name_header=model_name_header, fields=fields
        )
'''


_KIND_INSTANT = '''
    {prefix}def {method}(
        self,
{params}        model_name_header: str | None | Unset = UNSET,
    ) -> {result}:
        """{summary}.

{description}
        Args:
{field_docs}            model_name_header: haoee `ModelName` to send instead of the default one.

        Returns:
            The answer's `data`, read tolerantly: {returns}

        Raises:
            InvalidRequestError: before any request, naming every field that breaks a rule.
            APIError, APIConnectionError: the call failed.
        """
        return {awaiting}self._runner.{method}(
            {arguments}model_name_header=model_name_header
        )
'''


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\W]+", name) if part)


class _Writer:
    """Turns the spec's request schemas into TypedDicts, once each, in dependency order."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        self.classes: dict[str, str] = {}
        self._building: set[str] = set()

    def _target(self, ref: str) -> tuple[str, Mapping[str, Any]]:
        node: Any = self.spec
        for part in ref[2:].split("/"):
            node = node[part]
        return ref.rsplit("/", 1)[-1], node

    def annotation(self, schema: Mapping[str, Any]) -> str:
        """The Python type of a value of `schema`."""
        if "$ref" in schema:
            name, target = self._target(str(schema["$ref"]))
            if "x-kling-media" in schema or "x-kling-media" in target:
                return "MediaInput"
            if target.get("type") == "object" or "properties" in target:
                return self.typed_dict(f"{name}Params", target)
            return self.annotation(target)
        if "x-kling-media" in schema:
            return "MediaInput"
        options = schema.get("anyOf") or schema.get("oneOf")
        if options and "type" not in schema:
            return self._union(self.annotation(option) for option in options)
        if "enum" in schema:
            return "Literal[" + ", ".join(repr(value) for value in schema["enum"]) + "]"
        kinds = schema.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds] if kinds else []
        names = {
            "string": "str",
            "integer": "int",
            "number": "float",
            "boolean": "bool",
            "null": "None",
        }
        parts = []
        for kind in kinds:
            if kind == "array":
                parts.append(f"list[{self.annotation(schema.get('items', {}))}]")
            elif kind == "object":
                parts.append("dict[str, Any]")
            else:
                parts.append(names.get(kind, "Any"))
        return self._union(parts) if parts else "Any"

    @staticmethod
    def _union(parts: Any) -> str:
        seen: list[str] = []
        for part in parts:
            for piece in part.split(" | "):
                if piece not in seen:
                    seen.append(piece)
        if "str" in seen:  # an open enum: keep its known values for completion
            seen = [p for p in seen if p != "str"] + ["str"]
        return " | ".join(seen)

    def typed_dict(
        self, name: str, schema: Mapping[str, Any], *, leave_out: frozenset[str] = frozenset()
    ) -> str:
        """Emit (once) a TypedDict for an object schema; returns its name."""
        if name in self.classes or name in self._building:
            return name
        self._building.add(name)
        required = set(schema.get("required", ()))
        lines = [f"class {name}(TypedDict, total=False):", f'    """{_doc(schema, name)}"""', ""]
        for field, sub in schema.get("properties", {}).items():
            if field in leave_out:
                continue
            kind = self.annotation(sub)
            if not field.isidentifier() or keyword.iskeyword(field):
                raise SystemExit(f"typed_calls: field {field!r} of {name} is not an identifier")
            wrapped = f"Required[{kind}]" if field in required else f"NotRequired[{kind}]"
            lines.append(f"    {field}: {wrapped}")
        self.classes[name] = "\n".join(lines) + "\n"
        self._building.discard(name)
        return name


def _doc(schema: Mapping[str, Any], fallback: str) -> str:
    text = " ".join(str(schema.get("description") or fallback).split())
    return text.replace("\\", "\\\\").replace('"""', "'''")


def _field_docs(writer: _Writer, schema: Mapping[str, Any], leave_out: frozenset[str]) -> str:
    rows = []
    required = set(schema.get("required", ()))
    for field, sub in schema.get("properties", {}).items():
        if field in leave_out:
            continue
        target = writer._target(str(sub["$ref"]))[1] if "$ref" in sub else sub
        text = _doc(sub if sub.get("description") else target, "")
        mark = " (required)" if field in required else ""
        rows.append(f"                {field}{mark}: {text}")
    return "\n".join(rows) + "\n"


def _indented(text: str) -> str:
    lines = [" ".join(line.split()) for line in str(text or "").strip().splitlines()]
    body = "\n".join(f"        {line}" if line else "" for line in lines)
    return (body.replace("\\", "\\\\").replace('"""', "'''") + "\n") if body.strip() else ""


def render(spec: Mapping[str, Any]) -> str:
    """The source of ``calls.py`` for a spec (plain dicts, as JSON or YAML gives it)."""
    writer = _Writer(spec)
    kinds: list[tuple[str, str, str]] = []  # (kind, class stem, body model)
    methods: dict[str, str] = {}
    model_imports: set[tuple[str, str]] = set()
    for item in spec["paths"].values():
        op = item.get("post")
        if op is None or not op.get("x-kling-kind"):
            continue
        kind = op["x-kling-kind"]
        body_name, body = writer._target(
            op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        )
        stem = _camel(kind.replace("2", "_2_")).replace("_", "")
        leave_out = frozenset({"external_task_id"})
        fields = writer.typed_dict(f"{stem}Fields", body, leave_out=leave_out)
        model_imports.add((_module_of(body_name), body_name))
        common = {
            "body_model": body_name,
            "fields": fields,
            "summary": _doc({"description": op.get("summary")}, kind).rstrip("."),
            "description": _indented(op.get("description", "")),
            "field_docs": _field_docs(writer, body, leave_out),
        }
        methods[f"{stem}Calls"] = _CREATE.format(prefix="", awaiting="", **common)
        methods[f"Async{stem}Calls"] = _CREATE.format(prefix="async ", awaiting="await ", **common)
        kinds.append((kind, stem, body_name))
    stems = {kind: stem for kind, stem, _ in kinds}
    # Runner protocols of kinds with calls beyond the five (`x-kling-instant: <kind>.<method>`).
    protocols: dict[str, str] = {}
    instants = _instant_calls(spec, writer, methods, model_imports, stems, protocols)
    models = "".join(f"    from .models.{m} import {n}\n" for m, n in sorted(model_imports))
    out = [_HEADER % {"models": models}]
    for prefix, flavour, how in (("", "", "blocking"), ("async ", "Async", "awaited")):
        out.append(
            _RUNNERS.replace("{prefix}", prefix).replace("{flavour}", flavour).replace("{how}", how)
        )
    out.append("\n\n")
    # The TypedDicts exist for type checkers and editors only: building them at run time
    # compiles every field's annotation (typing's ForwardRef), about 4 ms of the client's cold
    # start for 33 classes, and nothing reads them at run time.
    out.append(
        "# Parameters of each create (for type checkers and editors; not built at run time).\n"
        "if TYPE_CHECKING:\n\n"
    )
    out += [
        "".join(f"    {line}" if line.strip() else line for line in source.splitlines(True)) + "\n"
        for source in writer.classes.values()
    ]
    out.append(_BASE)
    for kind, stem, _ in kinds:
        for flavour in ("", "Async"):
            if f"{flavour}{stem}Runner" not in protocols:
                continue
            how = "awaited" if flavour else "blocking"
            out.append(
                f"\n\nclass {flavour}{stem}Runner({flavour}KindRunner[PageT_co], "
                "Protocol[PageT_co]):\n"
                f'    """What runs `kling.{kind}`, {how}: a task kind\'s calls and its own."""\n'
                + protocols[f"{flavour}{stem}Runner"]
            )
    for kind, stem, _ in kinds:
        for flavour in ("", "Async"):
            how = flavour.lower() or "blocking"
            runner = f"{flavour}{stem}Runner"
            # A kind with calls of its own needs a runner that has them too.
            narrowed = (
                f"\n    _runner: {runner}[PageT]\n\n"
                f"    def __init__(self, runner: {runner}[PageT]) -> None:\n"
                "        self._runner = runner\n"
                if runner in protocols
                else ""
            )
            out.append(
                f"\n\nclass {flavour}{stem}Calls({flavour}KindCalls[PageT]):\n"
                f'    """`kling.{kind}`: {how} calls of this task kind."""\n\n'
                f'    kind = "{kind}"\n' + narrowed + methods[f"{flavour}{stem}Calls"]
            )
    for name, stem, result in instants:
        for flavour in ("", "Async"):
            how = "awaited" if flavour else "blocking"
            out.append(
                f'\n\nclass {flavour}{stem}Calls({flavour}InstantCalls["{result}"]):\n'
                f'    """`kling.{name}`: the {how} call (answered at once, no task)."""\n'
                + methods[f"{flavour}{stem}Calls"]
            )
    table = "".join(f'    "{kind}": {stem}Calls,\n' for kind, stem, _ in kinds)
    atable = "".join(f'    "{kind}": Async{stem}Calls,\n' for kind, stem, _ in kinds)
    itable = "".join(f'    "{name}": {stem}Calls,\n' for name, stem, _ in instants)
    aitable = "".join(f'    "{name}": Async{stem}Calls,\n' for name, stem, _ in instants)
    out.append(
        "\n\n# Task kind (the spec's x-kling-kind) -> its calls, blocking and awaited.\n"
        f"CALLS: dict[str, type[KindCalls[Any]]] = {{\n{table}}}\n"
        f"ASYNC_CALLS: dict[str, type[AsyncKindCalls[Any]]] = {{\n{atable}}}\n"
        "\n# Synchronous call (the spec's x-kling-instant) -> its class, blocking and awaited.\n"
        f"INSTANT_CALLS: dict[str, type[InstantCalls[Any]]] = {{\n{itable}}}\n"
        f"ASYNC_INSTANT_CALLS: dict[str, type[AsyncInstantCalls[Any]]] = {{\n{aitable}}}\n"
        '__all__ = [\n    "ASYNC_CALLS",\n    "ASYNC_INSTANT_CALLS",\n    "CALLS",\n'
        '    "INSTANT_CALLS",\n    "UNSET",\n    "MediaInput",\n    "Unset",\n]\n'
    )
    return "".join(out)


def _instant_calls(
    spec: Mapping[str, Any],
    writer: _Writer,
    methods: dict[str, str],
    model_imports: set[tuple[str, str]],
    kind_stems: Mapping[str, str],
    protocols: dict[str, str],
) -> list[tuple[str, str, str]]:
    """Write the call of every ``x-kling-instant`` operation into ``methods``: the create of a
    namespace of its own, or a method added to a task kind's class (``<kind>.<method>``, with
    its runner's method in ``protocols``); returns the (namespace, class stem, result model)
    of the former, in the spec's order."""
    found: list[tuple[str, str, str]] = []
    for item in spec["paths"].values():
        op = item.get("post")
        if op is None or not op.get("x-kling-instant"):
            continue
        name = op["x-kling-instant"]
        body_name, body = writer._target(
            op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        )
        result = _answer_model(writer, op)
        if "." in name:
            kind, method = name.split(".", 1)
            if kind not in kind_stems or not method.isidentifier():
                raise SystemExit(f"typed_calls: x-kling-instant {name!r} names no task kind")
            model_imports.update({(_module_of(body_name), body_name), (_module_of(result), result)})
            _kind_method(writer, op, body, result, method, methods, kind_stems[kind], protocols)
            continue
        stem = _camel(name)
        fields = writer.typed_dict(f"{stem}Fields", body)
        model_imports.update({(_module_of(body_name), body_name), (_module_of(result), result)})
        answer = op["responses"]["200"]
        common = {
            "body_model": body_name,
            "fields": fields,
            "result": result,
            "returns": " ".join(str(answer.get("description", result)).split()),
            "summary": _doc({"description": op.get("summary")}, name).rstrip("."),
            "description": _indented(op.get("description", "")),
            "field_docs": _field_docs(writer, body, frozenset()),
        }
        methods[f"{stem}Calls"] = _INSTANT.format(prefix="", awaiting="", **common)
        methods[f"Async{stem}Calls"] = _INSTANT.format(prefix="async ", awaiting="await ", **common)
        found.append((name, stem, result))
    return found


def _kind_method(
    writer: _Writer,
    op: Mapping[str, Any],
    body: Mapping[str, Any],
    result: str,
    method: str,
    methods: dict[str, str],
    stem: str,
    protocols: dict[str, str],
) -> None:
    """Add an ``x-kling-instant: <kind>.<method>`` call to the kind's classes in ``methods``,
    and its runner's method to the kind's runner protocols: the body's required fields are
    parameters (``delete(voice_id)``), its optional ones keywords, each typed from the spec;
    the runner takes them all as keywords."""
    required = set(body.get("required", ()))
    fields = list(body.get("properties", {}).items())
    if any(not f.isidentifier() or keyword.iskeyword(f) for f, _ in fields):
        raise SystemExit(f"typed_calls: a field of {op['operationId']} is not an identifier")
    given = [f"        {f}: {writer.annotation(sub)},\n" for f, sub in fields if f in required]
    optional = [
        f"        {f}: {writer.annotation(sub)} | Unset = UNSET,\n"
        for f, sub in fields
        if f not in required
    ]
    common = {
        "method": method,
        "params": "".join(given) + "        *,\n" + "".join(optional),
        "arguments": "".join(f"{f}={f}, " for f, _ in fields),
        "result": result,
        "returns": " ".join(str(op["responses"]["200"].get("description", result)).split()),
        "summary": _doc({"description": op.get("summary")}, method).rstrip("."),
        "description": _indented(op.get("description", "")),
        # Args of a method, not keywords of `**fields`: one indent less, no "(required)" mark.
        "field_docs": _field_docs(writer, body, frozenset())
        .replace("                ", "            ")
        .replace(" (required):", ":"),
    }
    methods[f"{stem}Calls"] += _KIND_INSTANT.format(prefix="", awaiting="", **common)
    methods[f"Async{stem}Calls"] += _KIND_INSTANT.format(
        prefix="async ", awaiting="await ", **common
    )
    keywords = "".join(
        f"        {f}: {writer.annotation(sub)}{'' if f in required else ' | Unset'},\n"
        for f, sub in fields
    )
    for prefix in ("", "async "):
        flavour = "Async" if prefix else ""
        protocols[f"{flavour}{stem}Runner"] = protocols.get(f"{flavour}{stem}Runner", "") + (
            f"\n    {prefix}def {method}(\n        self,\n        *,\n{keywords}"
            f"        model_name_header: str | None | Unset,\n    ) -> {result}: ...\n"
        )


def _answer_model(writer: _Writer, op: Mapping[str, Any]) -> str:
    """The model of the ``data`` of an operation's 200 answer (the envelope's ``data`` ref)."""
    envelope = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    return writer._target(str(writer._target(envelope)[1]["properties"]["data"]["$ref"]))[0]


def _module_of(model: str) -> str:
    """The module the generator writes a model into (its snake_case name)."""
    from openapi_python_client.strings import PythonIdentifier

    return str(PythonIdentifier(model, prefix="field_"))
