"""The hoverdoc language server (pygls 2, lsprotocol types)."""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO, Literal
from urllib.parse import unquote

from lsprotocol import types
from parso.utils import split_lines
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition

from hoverdoc.core.extract import Definition, definition_named_at, innermost
from hoverdoc.core.model_dir import ModelDirError
from hoverdoc.core.model_loading import LoadedModel, load_model, model_dir_for, workspace_models_allowed
from hoverdoc.core.paths import WORKSPACE_MODEL, innermost_folder
from hoverdoc.core.runtime import INTERACTIVE_DECODER_THREADS
from hoverdoc.core.staleness import StaleKind
from hoverdoc.core.version import package_version

from .collector import SETTLE_INTERVAL_S, SETTLE_QUIET_S, settle_heap
from .diagnostics import SOURCE as DIAGNOSTIC_SOURCE
from .diagnostics import definition_diagnostics
from .docstrings import (
    TextEdit,
    compose_docstring,
    lacking_descriptions,
    merged_descriptions,
    needs_update,
)
from .engine import Summary, SummaryEngine
from .presentation import hover_markdown
from .priority import ForegroundGate
from .protocol import HoverdocProtocol, run_stdio, run_tcp
from .settings import Settings, parse_settings
from .symbols import (
    MAX_PARSE_CHARS,
    DefinitionIndex,
    definition_by_name_position,
    identifier_at,
    is_large,
    read_file,
    resolve_reference,
    too_large,
)
from .workspace import IndexPlan, WorkspaceIndexes

logger = logging.getLogger(__name__)
GENERATE = "hoverdoc.generateDocstring"
DOCUMENT_FILE = "hoverdoc.documentFile"
RELOAD = "hoverdoc.reloadModel"
STATUS = "hoverdoc/status"
ACTION_KIND = types.CodeActionKind.RefactorRewrite
DEBOUNCE_SECONDS = 0.15
DIAGNOSTICS_DEBOUNCE_SECONDS = 0.5
MAX_SEPARATE_UPDATES = 20  # .py changes in one watched-files batch updated one by one; more: a rebuild
FOLDER_EVENT_DEBOUNCE_S = 1.0  # folder events (created, deleted, renamed) settle before the index is rebuilt
# How long a hover or a docstring waits for a model that is still loading before the fallback answers
# (the bundled model loads in about 1.5 s on two cores).
MODEL_WAIT_SECONDS = 5.0


ModelState = Literal["loading", "ready", "fallback"]


class HoverdocServer(LanguageServer):
    """Hover summaries, docstring code actions and commands."""

    def __init__(self, model: str | None = None, engine: SummaryEngine | None = None):
        super().__init__(
            "hoverdoc",
            package_version(),
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=HoverdocProtocol,
        )
        self.cli_model = model
        self.settings = Settings()
        self.folder_settings: dict[Path, Settings] = {}  # per workspace folder (multi-root)
        self.folder_models: dict[Path, LoadedModel] = {}  # folders whose model is not the default one
        self.engine = engine or SummaryEngine()
        self.index = DefinitionIndex()
        self.workspace_indexes = WorkspaceIndexes()
        self.model_state: ModelState = "loading"
        self.model_error: str | None = None
        self.model_origin: str | None = None  # where the model in use came from (bundled, workspace, ...)
        self._warned: str | None = None
        self._settings_warnings: dict[Path | None, set[str]] = {}  # per folder (None: the server's)
        self._load_generation = 0
        self._parse_tasks: dict[str, asyncio.Task] = {}
        self._diagnostic_tasks: dict[str, asyncio.Task] = {}
        self._too_large: set[str] = set()  # URIs already reported as too large to parse
        self._lines: dict[str, tuple[str, list[str]]] = {}
        self.foreground = ForegroundGate()  # background work waits while a hover or action runs
        self._initialization_options: Any = None
        self._announced: str | None = None
        self._load_started = False
        self._index_started = False
        self._index_refresh: asyncio.TimerHandle | None = None
        self._settling: asyncio.Task | None = None  # the heap settle waiting for quiet, if any
        self._settle_timer: asyncio.TimerHandle | None = None
        self._model_settled = asyncio.Event()  # set while no model load is in flight

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve over stdio with hoverdoc's framing; ``exit`` without ``shutdown`` exits with status 1."""
        code = run_stdio(self, stdin or sys.stdin.buffer, stdout or sys.stdout.buffer)
        if code:
            raise SystemExit(code)

    def start_tcp(self, host: str, port: int) -> None:
        """Serve over TCP with hoverdoc's framing."""
        code = run_tcp(self, host, port)
        if code:
            raise SystemExit(code)

    # --- documents and positions ------------------------------------------------------------------

    def root(self) -> str | None:
        """The workspace folder (the first one, or the root URI)."""
        folders = list(self.workspace.folders.values())
        uri = folders[0].uri if folders else self.workspace.root_uri
        return to_fs_path(uri) if uri else None

    def roots(self) -> list[Path]:
        """Every workspace folder (multi-root workspaces have several), resolved."""
        uris = [folder.uri for folder in self.workspace.folders.values()] or [self.workspace.root_uri]
        return [Path(to_fs_path(uri)).resolve() for uri in uris if uri and to_fs_path(uri)]

    def workspace_context(self, path: str | Path | None, definition: Definition):
        """The workspace neighbours of ``definition`` in the file at ``path`` (None when not indexed)."""
        if not (self.settings.workspace_enabled and self.settings_for(path).workspace_enabled):
            return None
        return self.workspace_indexes.context(path, definition)

    async def descriptions(
        self, path: str | Path | None, definition: Definition, definitions: list[Definition]
    ) -> dict[str, str]:
        """The parameter and return descriptions for ``definition``'s docstring, best evidence first:
        the workspace's wording of same-named parameters, then (``docstring.modelDescriptions``) the
        model, when it knows the task."""
        workspace = (
            self.workspace_indexes.parameter_descriptions(path, definition)
            if self.settings.workspace_enabled and self.settings_for(path).workspace_enabled
            else {}
        )
        wanted = self.settings_for(path).model_descriptions
        lacking = lacking_descriptions(definition, definitions, workspace) if wanted else []
        model = await self.engine.describe(definition, lacking, self.model_for(path)) if lacking else {}
        return merged_descriptions(workspace, model)

    def folder_root(self, path: str | Path | None) -> Path | None:
        """The workspace folder holding ``path``."""
        folder = self.workspace_indexes.folder_of(path) if path else None
        return folder.root if folder is not None else None

    async def settle_heap(self) -> None:
        """Collect the heap once and freeze what survives, when no request is in flight and the first
        model load has settled (``server/collector.py``): after start-up (which imports with the
        collector paused and freezes everything, garbage included; see ``__main__``), after each
        workspace index build, and every ``SETTLE_INTERVAL_S``. Full collections then happen here
        rather than inside a hover."""
        if self._settling is not None and not self._settling.done():
            return  # one settle waits for quiet already: they would run back to back
        self._settling = asyncio.current_task()
        await self.model_settled()
        await self.foreground.quiet(SETTLE_QUIET_S)
        if self.workspace_indexes.building():
            return  # freezing now would keep the build's trees in flight; its end settles
        seconds = settle_heap()
        logger.debug("heap settled in %.0f ms", seconds * 1000)

    def schedule_heap_settling(self) -> None:
        """``settle_heap`` now and every ``SETTLE_INTERVAL_S`` (once: a second call does nothing).
        Each settle is a short task of its own and the next is a timer, not a task looping for the
        server's life: Python 3.11's ``asyncio.wait_for`` can swallow a cancellation, and a loop that
        lost its cancellation at exit kept the process alive."""
        if self._settle_timer is not None:
            return

        def tick() -> None:
            asyncio.ensure_future(self.settle_heap())
            self._settle_timer = asyncio.get_running_loop().call_later(SETTLE_INTERVAL_S, tick)

        tick()

    async def build_workspace_index(self) -> None:
        """Index every workspace folder in the background, with work-done progress."""
        if not self.settings.workspace_enabled:
            self.workspace_indexes.turn_off()
            return
        self.workspace_indexes.expect(self.workspace_plan())
        await self.background_turn()
        if not self.settings.workspace_enabled:  # turned off while it waited
            return
        token = await self.begin_progress(types.WorkDoneProgressBegin(title="hoverdoc: indexing workspace"))
        loop = asyncio.get_running_loop()

        def progress(message: str) -> None:
            if token is not None:
                report = types.WorkDoneProgressReport(message=message)
                loop.call_soon_threadsafe(self.work_done_progress.report, token, report)

        try:
            await self.workspace_indexes.build(self.workspace_plan(), progress, self.foreground.wait_idle)
        finally:
            if token is not None and not self.workspace_indexes.stopping:  # at exit stdout is closed
                end = types.WorkDoneProgressEnd(message=self.workspace_indexes.describe())
                self.work_done_progress.end(token, end)
        self.notify_status()
        await self.settle_heap()  # the build's garbage, and its index out of the collector's walks

    def workspace_plan(self) -> IndexPlan:
        """What each workspace folder's index reads: the folder's own ``workspace.exclude``, or
        nothing (None) where its own ``workspace.enabled`` is off."""
        plan: IndexPlan = {}
        for root in self.roots():
            own = self.settings_for(root)
            on = self.settings.workspace_enabled and own.workspace_enabled
            plan[root] = tuple(own.workspace_exclude) if on else None
        return plan

    def rebuild_index_if_changed(self, before: IndexPlan) -> None:
        """Rebuild the workspace indexes when settings changed what they read."""
        if self._index_started and self.workspace_plan() != before:
            asyncio.ensure_future(self.build_workspace_index())

    def stop_background_work(self) -> None:
        """Shutdown, exit or the end of input: running index builds end at their next file."""
        self.workspace_indexes.stop()

    def schedule_index_refresh(self) -> None:
        """Rebuild the workspace indexes once folder events settle (a rename reports two, a branch
        switch many); unchanged files are reused from the store, so this reads only what changed."""
        if self._index_refresh is not None:
            self._index_refresh.cancel()
        loop = asyncio.get_running_loop()
        self._index_refresh = loop.call_later(
            FOLDER_EVENT_DEBOUNCE_S, lambda: asyncio.ensure_future(self.build_workspace_index())
        )

    def document(self, uri: str) -> TextDocument | None:
        """An open document; None for any other URI. pygls would read a closed file from disk, on the
        event loop and at every access: a request naming a FIFO stalled every request after it."""
        return self.workspace.text_documents.get(unquote(uri))

    async def definitions(self, document: TextDocument) -> list[Definition]:
        """Parsed definitions of a document, parsed off the event loop."""
        return (await self.snapshot(document))[2]

    async def snapshot(self, document: TextDocument) -> tuple[str, int | None, list[Definition]]:
        """The document's source and version now, and the definitions parsed from exactly that source:
        an edit computed across awaits is built on them and refused if the document moved on."""
        source, version = document.source, document.version
        definitions = await asyncio.to_thread(self.index.definitions, document.uri, source)
        return source, version, definitions

    def lines(self, document: TextDocument) -> list[str]:
        """The document's lines (parso's split, without line ends), kept per open document until it
        changes, so concurrent requests don't each hold a copy."""
        source = document.source
        if self.document(document.uri) is None:
            return split_lines(source)
        cached = self._lines.get(document.uri)
        if cached is None or cached[0] is not source:
            cached = self._lines[document.uri] = (source, split_lines(source))
        return cached[1]

    def forget(self, uri: str) -> None:
        """Drop what is kept for a closed document."""
        self.index.forget(uri)
        self._lines.pop(uri, None)
        self._too_large.discard(uri)

    def to_server(self, document: TextDocument, position: types.Position) -> tuple[int, int] | None:
        """Client position -> (line, code-point column), None when outside the document."""
        lines = self.lines(document)
        if position.line < 0 or position.line >= len(lines) or position.character < 0:
            return None
        converted = document.position_codec.position_from_client_units(
            lines, types.Position(position.line, position.character)
        )
        return converted.line, converted.character

    def to_client(self, document: TextDocument, line: int, col: int) -> types.Position:
        """(line, code-point column) -> client position."""
        lines = self.lines(document)
        return document.position_codec.position_to_client_units(lines, ServerTextPosition(line, col))

    def to_lsp_edit(self, document: TextDocument, edit: TextEdit) -> types.TextEdit:
        """A composer edit as an LSP text edit in the client's position units."""
        return types.TextEdit(
            range=types.Range(
                start=self.to_client(document, edit.start_line, edit.start_col),
                end=self.to_client(document, edit.end_line, edit.end_col),
            ),
            new_text=edit.new_text,
        )

    def snippets_supported(self) -> bool:
        """Whether the client takes snippet edits in workspace edits (LSP 3.18 ``snippetEditSupport``)."""
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        return bool(edit and edit.snippet_edit_support and edit.document_changes)

    def workspace_edit(
        self, document: TextDocument, edits: list[TextEdit], version: int | None = None
    ) -> types.WorkspaceEdit:
        """Composer edits as one workspace edit: snippet edits (what hoverdoc wrote, tab stops) where
        the client supports them, plain text edits otherwise."""
        plain = [self.to_lsp_edit(document, edit) for edit in edits]
        if not self.snippets_supported():
            return types.WorkspaceEdit(changes={document.uri: plain})
        changes: list[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit] = [
            types.SnippetTextEdit(range=lsp.range, snippet=types.StringValue(value=edit.snippet))
            if edit.snippet is not None
            else lsp
            for edit, lsp in zip(edits, plain)
        ]
        identifier = types.OptionalVersionedTextDocumentIdentifier(
            uri=document.uri, version=document.version if version is None else version
        )
        return types.WorkspaceEdit(
            document_changes=[types.TextDocumentEdit(text_document=identifier, edits=changes)]
        )

    def schedule_parse(self, uri: str) -> None:
        """Parse a changed document after a short quiet period, so hovers find it parsed. Large
        documents are parsed whole only when a feature needs it; too large ones never."""
        previous = self._parse_tasks.pop(uri, None)
        if previous is not None:
            previous.cancel()
        document = self.document(uri)
        if document is None or self._report_too_large(document) or is_large(document.source):
            return

        async def later() -> None:
            await asyncio.sleep(DEBOUNCE_SECONDS)
            await self.background_turn()
            document = self.document(uri)
            if document is not None:
                await self.definitions(document)

        self._parse_tasks[uri] = asyncio.ensure_future(later())

    def schedule_diagnostics(self, uri: str, delay: float = DIAGNOSTICS_DEBOUNCE_SECONDS) -> None:
        """Publish the document's stale-docstring diagnostics after ``delay`` seconds without edits."""
        previous = self._diagnostic_tasks.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self._diagnostic_tasks[uri] = asyncio.ensure_future(self._publish_diagnostics(uri, delay))

    async def _publish_diagnostics(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.background_turn()
        document = self.document(uri)
        if document is None:
            return
        source, version = document.source, document.version
        diagnostics: list[types.Diagnostic] = []
        if self.settings_for(document.path).diagnostics_enabled and not (
            too_large(source) or is_large(source)
        ):
            definitions = await asyncio.to_thread(self.index.definitions, uri, source)
            codec, lines = document.position_codec, split_lines(source)

            def to_client(line: int, col: int) -> types.Position:
                return codec.position_to_client_units(lines, ServerTextPosition(line, col))

            diagnostics = await asyncio.to_thread(definition_diagnostics, definitions, to_client)
        current = self.document(uri)
        if current is None or current.source is not source:
            return  # edited meanwhile: the next run publishes
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def clear_diagnostics(self, uri: str) -> None:
        """Cancel pending diagnostics of a closed document and clear the published ones."""
        task = self._diagnostic_tasks.pop(uri, None)
        if task is not None:
            task.cancel()
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def _report_too_large(self, document: TextDocument) -> bool:
        """Whether the document is over the parse limit; says so once per document."""
        if not too_large(document.source):
            self._too_large.discard(document.uri)
            return False
        if document.uri not in self._too_large:
            self._too_large.add(document.uri)
            message = (
                f"hoverdoc: {document.uri} is over {MAX_PARSE_CHARS // 1_000_000} MB; no summaries for it"
            )
            logger.warning(message)
            self.window_show_message(types.ShowMessageParams(types.MessageType.Info, message))
        return True

    # --- settings and the model -------------------------------------------------------------------

    def apply_settings(self, raw: Any) -> None:
        """Take new settings; reload the model if its path changed; warn about invalid values once."""
        previous = self.settings
        self.settings, warnings = parse_settings(raw, Settings())
        self._warn_settings(None, warnings)
        if previous.max_source_tokens != self.settings.max_source_tokens:
            self._limit_source_tokens([self.engine.model, *self.folder_models.values()])
        changed = previous.model_path != self.settings.model_path or previous.threads != self.settings.threads
        if changed and self._load_started:
            self.start_model_load()

    async def fetch_configuration(self, rebuild_index: bool = True) -> None:
        """Read the ``hoverdoc`` section through ``workspace/configuration`` when the client has it;
        the workspace indexes are rebuilt if what they read changed (unless ``rebuild_index`` is off:
        the caller builds them next)."""
        capabilities = self.client_capabilities
        if not (capabilities.workspace and capabilities.workspace.configuration):
            return
        roots = self.roots()  # the answer is paired with the folders asked about, not those of later
        try:
            result = await asyncio.wait_for(
                self.workspace_configuration_async(
                    types.ConfigurationParams(items=self._configuration_items(roots))
                ),
                timeout=5,
            )
        except Exception:  # noqa: BLE001 - a client that can't answer keeps the current settings
            logger.warning("workspace/configuration failed", exc_info=True)
            return
        if result:
            before = self.workspace_plan()
            self.apply_settings(result[0])
            self._apply_folder_settings(roots, list(result[1:]))
            if rebuild_index:
                self.rebuild_index_if_changed(before)

    def _configuration_items(self, roots: list[Path]) -> list[types.ConfigurationItem]:
        folders = [types.ConfigurationItem(scope_uri=root.as_uri(), section="hoverdoc") for root in roots]
        return [types.ConfigurationItem(section="hoverdoc"), *folders]

    def _apply_folder_settings(self, roots: list[Path], values: list[Any]) -> None:
        """Each workspace folder's effective settings (what a document in it sees), ``values`` in the
        order of ``roots``; the model and threads stay per server."""
        self.folder_settings = {}
        for root, raw in zip(roots, values):
            settings, warnings = parse_settings(raw, self.settings)  # null: as the server's
            self.folder_settings[root] = settings
            self._warn_settings(root, warnings)

    def _warn_settings(self, folder: Path | None, warnings: list[str]) -> None:
        """Show each invalid-setting warning once while its value stays: every configuration change
        reads every value again, and a client answers each folder with the user's settings too (one
        bad value gave a warning per folder per change). ``folder``: a workspace folder, None the
        server's own settings."""
        inherited = self._settings_warnings.get(None, set()) if folder is not None else set()
        shown = self._settings_warnings.get(folder, set())
        for warning in warnings:
            if warning not in shown and warning not in inherited:
                text = f"{folder.name}: {warning}" if folder is not None else warning
                self.window_show_message(types.ShowMessageParams(types.MessageType.Warning, text))
        self._settings_warnings[folder] = set(warnings)

    def settings_for(self, path: str | Path | None) -> Settings:
        """The settings of the workspace folder holding ``path`` (the server's, outside any folder)."""
        root = innermost_folder(self.folder_settings, path)
        return self.folder_settings[root] if root is not None else self.settings

    def model_choice(self) -> str | None:
        """The explicitly chosen model: the setting, else the command line's ``--model``."""
        return self.settings.model_path or self.cli_model

    def start_model_load(self) -> asyncio.Task:
        """Load (or reload) the model in the background; hovers use the fallback until it is ready."""
        self._load_started = True
        self._load_generation += 1
        self._model_settled.clear()
        return asyncio.ensure_future(self._load_model(self._load_generation))

    async def background_turn(self) -> None:
        """Wait until background work may use the CPU: the first model load has settled and no
        hover, code action or command is in flight (they would otherwise wait behind it)."""
        await self.model_settled()
        await self.foreground.idle()

    async def model_settled(self, timeout: float = MODEL_WAIT_SECONDS) -> bool:
        """Wait (at most ``timeout`` seconds) for the first model load, so that a request made while the
        model is coming is answered by it rather than by the fallback; whether it settled. A reload
        does not wait: the model in use answers until the new one is in."""
        if self._model_settled.is_set() or not self._load_started or self.engine.summarizer is not None:
            return True  # nothing loading, or a model still serves while another loads
        try:
            await asyncio.wait_for(self._model_settled.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def _load_model(self, generation: int) -> None:
        self.model_state = "loading"
        self.notify_status()
        loading = asyncio.ensure_future(
            asyncio.to_thread(
                load_model_safely,
                self.model_choice(),
                self.root(),
                self.settings,
                workspace_models_allowed(self._initialization_options),
            )
        )  # before the progress round trip, which a busy start can make slow
        token = await self.begin_progress(types.WorkDoneProgressBegin(title="hoverdoc: loading model"))
        loaded = LoadedModel(None, Path(), "unknown", "the model load was interrupted")
        try:
            loaded = await loading
        finally:  # the progress always ends, whatever happened
            if token is not None:
                self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=loaded.label))
        if generation != self._load_generation:
            return  # a newer load superseded this one
        self._limit_source_tokens([loaded])  # before it serves: settings that came while it loaded
        self.engine.set_model(loaded if loaded.summarizer is not None else None)
        try:
            self.folder_models = await asyncio.to_thread(self._load_folder_models, loaded)
        except Exception:  # noqa: BLE001 - other folders' models are extras: the default still serves
            logger.warning("loading the workspace folders' own models failed", exc_info=True)
            self.folder_models = {}
        for model in {id(m): m for m in self.folder_models.values()}.values():
            self._announce(model)
        self._limit_source_tokens(self.folder_models.values())  # as for the default model
        self.model_state = "ready" if loaded.summarizer is not None else "fallback"
        self.model_error = loaded.error
        self.model_origin = loaded.origin
        self._model_settled.set()
        if loaded.summarizer is None and self._warned != loaded.error:
            self._warned = loaded.error
            self.window_show_message(
                types.ShowMessageParams(
                    types.MessageType.Warning,
                    f"hoverdoc: no usable model ({loaded.error}). Showing summaries derived from names, marked as fallback.",
                )
            )
        self._announce(loaded)
        self.notify_status(loaded)

    def _load_folder_models(self, default: LoadedModel) -> dict[Path, LoadedModel]:
        """The other workspace folders' own models (a retrained ``.hoverdoc/model``), each loaded once;
        folders that would load the default model's directory share it."""
        allow = workspace_models_allowed(self._initialization_options)
        loaded: dict[Path, LoadedModel] = {}
        by_directory: dict[Path, LoadedModel] = {default.directory.resolve(): default}
        for root in self.roots()[1:]:
            directory = model_dir_for(self.model_choice(), root, allow).resolve()
            if directory not in by_directory:
                by_directory[directory] = load_model_safely(
                    self.model_choice(), str(root), self.settings, allow
                )
                self._announce(by_directory[directory])
            model = by_directory[directory]
            if model is not default and model.summarizer is not None:
                loaded[root] = model
        return loaded

    def _limit_source_tokens(self, models: Iterable[LoadedModel | None]) -> None:
        """Cut the ``models``' input to the ``maxSourceTokens`` setting (None: each one's served length)."""
        for model in models:
            summarizer = model.summarizer if model is not None else None
            if summarizer is None:
                continue
            try:
                summarizer.limit_source_tokens(self.settings.max_source_tokens)
            except ModelDirError as error:  # a soft prompt longer than the limit: the model keeps its own
                self.window_show_message(
                    types.ShowMessageParams(types.MessageType.Warning, f"hoverdoc.maxSourceTokens: {error}")
                )

    def model_for(self, path: str | Path | None) -> LoadedModel | None:
        """The model of the workspace folder holding ``path`` when it has its own (else None: the default)."""
        root = innermost_folder(self.folder_models, path)
        return self.folder_models[root] if root is not None else None

    def _announce(self, loaded: LoadedModel) -> None:
        """Log which model is in use, and tell the user once when it is the workspace's own or when a
        workspace model was ignored (untrusted workspace, a link out of it, a bad manifest)."""
        logger.info("%s", loaded.notice)
        if loaded.summarizer is not None and (loaded.origin == "workspace" or loaded.ignored):
            if self._announced != loaded.notice:
                self._announced = loaded.notice
                self.window_show_message(types.ShowMessageParams(types.MessageType.Info, loaded.notice))

    async def begin_progress(self, begin: types.WorkDoneProgressBegin) -> str | None:
        """Start server-initiated work-done progress; None when the client can't show it."""
        window = self.client_capabilities.window
        if not (window and window.work_done_progress):
            return None
        token = str(uuid.uuid4())
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), timeout=5)
            self.work_done_progress.begin(token, begin)
        except Exception:  # noqa: BLE001 - progress is a courtesy
            return None
        return token

    def notify_status(self, loaded: LoadedModel | None = None) -> None:
        """Tell the client which model is in use (the VS Code status bar shows it)."""
        summarizer = self.engine.summarizer
        self.protocol.notify(
            STATUS,
            {
                "state": self.model_state,
                "model": summarizer.name if summarizer is not None and self.model_state == "ready" else None,
                "origin": loaded.origin if loaded is not None else self.model_origin,
                "reason": self.model_error if self.model_state == "fallback" else None,
                "index": self.workspace_indexes.describe(),
            },
        )

    # --- features ---------------------------------------------------------------------------------

    async def hover_at(self, uri: str, position: types.Position) -> types.Hover | None:
        """The hover for a position: a definition's name, or a reference jedi resolves in the workspace."""
        if not self.settings_for(to_fs_path(uri)).hover_enabled:
            return None
        document = self.document(uri)
        if document is None or too_large(document.source):
            return None
        converted = self.to_server(document, position)
        if converted is None:
            return None
        line, col = converted
        if not identifier_at(self.lines(document)[line], col):
            return None
        definitions = await asyncio.to_thread(
            self.index.definitions_near, document.uri, document.source, line
        )
        definition = definition_named_at(definitions, line, col)
        path: str | Path | None = document.path
        if definition is None:
            definition, path = await self._resolve(document, line, col)
        if definition is None:
            return None
        if definition.docstring is not None and not self.settings_for(document.path).hover_documented:
            return None  # other servers already show the docstring
        await self.model_settled()
        summary = await self.engine.summarize(
            definition, self.workspace_context(path, definition), self.model_for(path)
        )
        name = definition.name_span
        hover_range = None
        if definition_named_at(definitions, line, col) is definition:
            hover_range = types.Range(
                self.to_client(document, name.start_line, name.start_col),
                self.to_client(document, name.end_line, name.end_col),
            )
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown,
                value=hover_markdown(definition, summary, self.folder_root(path)),
            ),
            range=hover_range,
        )

    async def _resolve(
        self, document: TextDocument, line: int, col: int
    ) -> tuple[Definition | None, Path | None]:
        """The definition a reference resolves to in the workspace, and its file."""
        found = await asyncio.to_thread(
            resolve_reference, document.source, document.path, line, col, self.root()
        )
        if found is None:
            return None, None
        path, target_line, target_col = found
        target_uri = path.as_uri()
        open_document = self.document(target_uri)
        source = (
            open_document.source if open_document is not None else await asyncio.to_thread(read_file, path)
        )
        if source is None:
            return None, None
        definitions = await asyncio.to_thread(
            self.index.definitions_near, target_uri, source, target_line, open_document is not None
        )  # a file that is not open gets no background parse: parse it whole once, cached
        return definition_by_name_position(definitions, target_line, target_col), path

    async def docstring_edit(
        self,
        document: TextDocument,
        definition: Definition,
        snapshot: tuple[str, int | None, list[Definition]],
    ) -> tuple[types.WorkspaceEdit | None, Summary | None]:
        """The workspace edit that inserts or updates ``definition``'s docstring in the ``snapshot`` it
        was parsed from (written by a model that is still loading, when it comes within the wait);
        (None, None) when the document changed meanwhile, so no edit lands at stale positions."""
        source, version, definitions = snapshot
        await self.model_settled()
        summary, described = await asyncio.gather(
            self.engine.summarize(
                definition, self.workspace_context(document.path, definition), self.model_for(document.path)
            ),
            self.descriptions(document.path, definition, definitions),
        )
        if moved_on(document, source, version):
            return None, None
        style = self.settings_for(document.path).docstring_style
        result = compose_docstring(source, definition, summary.text, style, definitions, described)
        return (self.workspace_edit(document, [result.edit], version) if result.edit else None), summary

    @staticmethod
    def header_contains(definition: Definition, line: int) -> bool:
        """Whether a line lies in the definition's header (decorators to the colon)."""
        colon_line = definition.node.children[-2].start_pos[0] - 1
        return definition.span.start_line <= line <= colon_line

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        """Generate/Update docstring for the definition whose header holds the cursor."""
        document = self.document(params.text_document.uri)
        if document is None:
            return []
        converted = self.to_server(document, params.range.start)
        if converted is None:
            return []
        definitions = await self.definitions(document)
        definition = innermost([d for d in definitions if self.header_contains(d, converted[0])])
        if definition is None:
            return []
        fixes = _fixed_by_update(params.context.diagnostics, definition)
        if definition.docstring is None:
            title = "Generate docstring"
        elif needs_update(definition) or fixes:
            title = "Update docstring"
        else:
            return []
        data = {
            "uri": document.uri,
            "line": definition.name_span.start_line,
            "col": definition.name_span.start_col,
        }
        action = types.CodeAction(
            title=f"hoverdoc: {title}",
            kind=types.CodeActionKind.QuickFix if fixes else ACTION_KIND,
            data=data,
            diagnostics=fixes or None,
            is_preferred=True if fixes else None,
        )
        if not self._resolve_supported():
            action = await self.resolve_action(action)
        return [action]

    def _resolve_supported(self) -> bool:
        text = self.client_capabilities.text_document
        support = text.code_action.resolve_support if text and text.code_action else None
        return bool(support and "edit" in (support.properties or []))

    async def resolve_action(self, action: types.CodeAction) -> types.CodeAction:
        """Fill in the edit of a docstring action."""
        data = action.data or {}
        document = self.document(data.get("uri", ""))
        if document is None:
            return action
        snapshot = await self.snapshot(document)
        definition = definition_named_at(snapshot[2], data.get("line", -1), data.get("col", -1))
        if definition is None:
            return action
        action.edit, _ = await self.docstring_edit(document, definition, snapshot)
        return action

    async def generate_docstring(self, uri: str, position: types.Position) -> dict:
        """The ``hoverdoc.generateDocstring`` command: insert or update the docstring at a position."""
        document = self.document(uri)
        if document is None:
            return {"applied": False, "reason": f"unknown document {uri}"}
        converted = self.to_server(document, position)
        if converted is None:
            return {"applied": False, "reason": "position outside the document"}
        snapshot = await self.snapshot(document)
        definitions = snapshot[2]
        line, col = converted
        definition = (
            definition_named_at(definitions, line, col)
            or next(
                (
                    d
                    for d in sorted(definitions, key=lambda d: -d.span.start_line)
                    if self.header_contains(d, line)
                ),
                None,
            )
            or next(
                (
                    d
                    for d in sorted(definitions, key=lambda d: -d.span.start_line)
                    if d.span.contains(line, col)
                ),
                None,
            )
        )
        if definition is None:
            return {"applied": False, "reason": "no function or class at the position"}
        edit, summary = await self.docstring_edit(document, definition, snapshot)
        if summary is None:
            return {
                "applied": False,
                "reason": "the document changed while the docstring was written; try again",
            }
        if edit is None:
            return {"applied": False, "reason": "the docstring is already up to date"}
        applied = await self.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label="hoverdoc: Generate docstring")
        )
        return {
            "applied": bool(applied.applied),
            "definition": definition.qualname,
            "fallback": summary.is_fallback,
        }

    async def document_file(self, uri: str) -> dict:
        """The ``hoverdoc.documentFile`` command: one edit documenting every undocumented definition."""
        document = self.document(uri)
        if document is None:
            return {"applied": False, "reason": f"unknown document {uri}"}
        source, version, definitions = await self.snapshot(document)
        targets = [d for d in definitions if d.docstring is None]
        if not targets:
            return {"applied": False, "documented": 0, "reason": "every definition already has a docstring"}
        await self.model_settled()
        token = await self.begin_progress(
            types.WorkDoneProgressBegin(title="hoverdoc: documenting file", percentage=0, cancellable=False)
        )
        # submit everything at once so the worker batches it; report as summaries arrive
        tasks = {
            asyncio.ensure_future(
                self.engine.summarize(
                    d, self.workspace_context(document.path, d), self.model_for(document.path)
                )
            ): d
            for d in targets
        }
        summaries: dict[str, Summary] = {}
        try:
            for number, finished in enumerate(asyncio.as_completed(tasks), start=1):
                await finished
                if token is not None and (number == len(targets) or number % 8 == 0):
                    self.work_done_progress.report(
                        token,
                        types.WorkDoneProgressReport(
                            message=f"{number}/{len(targets)}", percentage=int(100 * number / len(targets))
                        ),
                    )
        finally:
            for task in tasks:
                task.cancel()
        for task, definition in tasks.items():
            summaries[definition.qualname] = task.result()
        described = await asyncio.gather(*(self.descriptions(document.path, d, definitions) for d in targets))
        changed = moved_on(document, source, version)
        edits, fallbacks = (
            ([], 0)
            if changed
            else self._file_edits(document, (source, definitions), targets, summaries, described)
        )
        if token is not None:
            self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=f"{len(edits)} docstrings"))
        if changed:
            return {"applied": False, "documented": 0, "reason": "the document changed meanwhile; try again"}
        if not edits:
            return {"applied": False, "documented": 0}
        applied = await self.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(
                edit=types.WorkspaceEdit(changes={uri: edits}), label="hoverdoc: Document file"
            )
        )
        return {"applied": bool(applied.applied), "documented": len(edits), "fallbacks": fallbacks}

    def _file_edits(
        self,
        document: TextDocument,
        parsed: tuple[str, list[Definition]],
        targets: list[Definition],
        summaries: dict[str, Summary],
        described: list[dict[str, str]],
    ) -> tuple[list[types.TextEdit], int]:
        """Document file's edits, all against the same source (plain text: a whole file of tab stops
        would be a chore), and how many of them have the fallback summary (no model was ready)."""
        source, definitions = parsed
        style = self.settings_for(document.path).docstring_style
        edits, fallbacks = [], 0
        for definition, descriptions in zip(targets, described):
            summary = summaries[definition.qualname]
            result = compose_docstring(source, definition, summary.text, style, definitions, descriptions)
            if result.edit is not None:
                edits.append(self.to_lsp_edit(document, result.edit))
                fallbacks += summary.is_fallback
        return edits, fallbacks


def moved_on(document: TextDocument, source: str, version: int | None) -> bool:
    """Whether ``document`` changed since ``source`` (at ``version``) was read from it."""
    return document.version != version or document.source != source


def load_model_safely(
    choice: str | None,
    root: str | None,
    settings: Settings,
    allow_workspace: bool = True,
) -> LoadedModel:
    """``load_model``, with any failure (a malformed manifest, a broken graph) turned into the
    fallback and a one-line reason; ``allow_workspace`` is false in an untrusted workspace."""
    try:
        loaded = load_model(
            choice,
            root,
            settings.threads,
            allow_workspace=allow_workspace,
            decoder_threads=INTERACTIVE_DECODER_THREADS,  # hovers come one at a time
        )
        if loaded.summarizer is not None:
            loaded.summarizer.limit_source_tokens(settings.max_source_tokens)
        return loaded
    except Exception as error:  # noqa: BLE001 - the server must answer with the fallback
        logger.warning("loading the model failed", exc_info=True)
        lines = str(error).strip().splitlines()
        reason = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
        return LoadedModel(None, Path(choice or ""), "configured" if choice else "default", reason)


def _fixed_by_update(diagnostics: list[types.Diagnostic], definition: Definition) -> list[types.Diagnostic]:
    """The stale-docstring diagnostics of ``definition`` that its Update docstring action clears:
    parameter findings only (a documented return value is left for the user to reword or remove,
    since removing it could take their text with it)."""
    where = (definition.name_span.start_line, definition.name_span.start_col)
    return [
        d
        for d in diagnostics
        if d.source == DIAGNOSTIC_SOURCE
        and d.code in (StaleKind.UNKNOWN_PARAM.value, StaleKind.MISSING_PARAM.value)
        and isinstance(d.data, dict)
        and (d.data.get("line"), d.data.get("col")) == where
    ]


def _position_argument(value: Any) -> types.Position:
    if isinstance(value, types.Position):
        return value
    if (
        isinstance(value, dict)
        and isinstance(value.get("line"), int)
        and isinstance(value.get("character"), int)
    ):
        return types.Position(line=value["line"], character=value["character"])
    raise ValueError(f"expected a position {{line, character}}, got {value!r}")


def _uri_argument(value: Any) -> str:
    if isinstance(value, dict) and "uri" in value:
        value = value["uri"]
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a document URI, got {value!r}")
    return value


def create_server(model: str | None = None) -> HoverdocServer:
    """A server with every feature registered."""
    server = HoverdocServer(model=model)
    _register_lifecycle(server)
    _register_documents(server)
    _register_features(server)
    _register_commands(server)
    return server


def _register_lifecycle(server: HoverdocServer) -> None:
    """initialize, initialized, configuration and watched files."""

    @server.feature(types.INITIALIZE)
    def on_initialize(ls: HoverdocServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict):
            ls._initialization_options = options.get("hoverdoc", options)
            ls.settings, _ = parse_settings(ls._initialization_options)

    @server.feature(types.INITIALIZED)
    async def on_initialized(ls: HoverdocServer, params: types.InitializedParams) -> None:
        ls.start_model_load()  # at once, with the initialization options' settings
        ls.schedule_heap_settling()
        await ls.fetch_configuration()  # a different model path or thread count there reloads
        ls._index_started = True
        asyncio.ensure_future(ls.build_workspace_index())
        await _watch_workspace_model(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def on_configuration(ls: HoverdocServer, params: types.DidChangeConfigurationParams) -> None:
        capabilities = ls.client_capabilities
        if capabilities.workspace and capabilities.workspace.configuration:
            await ls.fetch_configuration()
        elif isinstance(params.settings, dict):
            before = ls.workspace_plan()
            ls.apply_settings(params.settings.get("hoverdoc", params.settings))
            ls.rebuild_index_if_changed(before)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def on_folders(ls: HoverdocServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        # pygls has updated ls.workspace.folders; indexes of kept folders are reused from the store
        await ls.fetch_configuration(rebuild_index=False)  # a new folder's own settings
        if ls.settings.workspace_enabled:
            await ls.build_workspace_index()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def on_watched(ls: HoverdocServer, params: types.DidChangeWatchedFilesParams) -> None:
        marker = f"{WORKSPACE_MODEL.as_posix()}/manifest.json"
        if any(change.uri.endswith(marker) for change in params.changes):
            ls.start_model_load()
        # two watchers both match a .py file's creation or deletion: each change is handled once
        changes = list(dict.fromkeys((change.uri, change.type) for change in params.changes))
        if sum(uri.endswith(".py") for uri, _ in changes) > MAX_SEPARATE_UPDATES:
            # a branch switch or a formatter run: one rebuild from the store (which re-reads only
            # what changed, yielding to hovers between files) instead of a job per file queued on
            # the thread pool a hover needs too (2,600 events held the next hover 12 s)
            ls.schedule_index_refresh()
            changes = [(uri, kind) for uri, kind in changes if not uri.endswith(".py")]
        for uri, kind in changes:
            try:
                _file_changed(ls, uri, kind)
            except Exception:  # noqa: BLE001 - one odd path must not drop the rest of the batch
                logger.warning("watched-file event %s for %s failed", kind, uri, exc_info=True)


def _file_changed(ls: HoverdocServer, uri: str, kind: types.FileChangeType) -> None:
    """Keep the workspace indexes current for one watched-file change."""
    if not uri.startswith("file:"):
        return
    path = to_fs_path(uri)
    if uri.endswith(".py"):
        asyncio.ensure_future(ls.workspace_indexes.update_file(path))
    elif kind != types.FileChangeType.Changed:  # a folder created, deleted or renamed
        if ls.workspace_indexes.folder_event_matters(path, created=kind == types.FileChangeType.Created):
            ls.schedule_index_refresh()


def _register_documents(server: HoverdocServer) -> None:
    """Document open, change, save and close."""

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def on_open(ls: HoverdocServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule_parse(params.text_document.uri)
        ls.schedule_diagnostics(params.text_document.uri, delay=0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def on_change(ls: HoverdocServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.foreground.note_activity()
        ls.schedule_parse(uri)
        ls.schedule_diagnostics(uri)
        document = ls.document(uri)
        if document is not None and ls.settings.workspace_enabled:
            ls.workspace_indexes.edited(document.path, lambda: getattr(ls.document(uri), "source", None))

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def on_save(ls: HoverdocServer, params: types.DidSaveTextDocumentParams) -> None:
        document = ls.document(params.text_document.uri)
        if document is not None and ls.settings.workspace_enabled:
            asyncio.ensure_future(ls.workspace_indexes.update_file(document.path))  # as saved

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def on_close(ls: HoverdocServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)
        ls.clear_diagnostics(params.text_document.uri)
        closed = to_fs_path(params.text_document.uri)
        if closed and ls.settings.workspace_enabled:  # unsaved edits are gone: what is on disk counts
            asyncio.ensure_future(ls.workspace_indexes.update_file(closed))


def _register_features(server: HoverdocServer) -> None:
    """Hover and the docstring code actions."""

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: HoverdocServer, params: types.HoverParams) -> types.Hover | None:
        with ls.foreground.busy():
            return await ls.hover_at(params.text_document.uri, params.position)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[ACTION_KIND, types.CodeActionKind.QuickFix], resolve_provider=True
        ),
    )
    async def on_code_action(ls: HoverdocServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        with ls.foreground.busy():
            return await ls.code_actions(params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def on_resolve(ls: HoverdocServer, action: types.CodeAction) -> types.CodeAction:
        with ls.foreground.busy():
            return await ls.resolve_action(action)


def _register_commands(server: HoverdocServer) -> None:
    """workspace/executeCommand handlers."""

    @server.command(GENERATE)
    async def cmd_generate(ls: HoverdocServer, *args: Any) -> dict:
        if len(args) == 1 and isinstance(args[0], dict) and "position" in args[0]:
            args = (args[0], args[0]["position"])
        if len(args) != 2:
            raise ValueError(f"{GENERATE} takes (uri, position)")
        with ls.foreground.busy():
            return await ls.generate_docstring(_uri_argument(args[0]), _position_argument(args[1]))

    @server.command(DOCUMENT_FILE)
    async def cmd_document_file(ls: HoverdocServer, *args: Any) -> dict:
        if len(args) != 1:
            raise ValueError(f"{DOCUMENT_FILE} takes (uri)")
        return await ls.document_file(_uri_argument(args[0]))

    @server.command(RELOAD)
    async def cmd_reload(ls: HoverdocServer, *args: Any) -> dict:
        await ls.start_model_load()
        summarizer = ls.engine.summarizer
        return {
            "state": ls.model_state,
            "model": summarizer.name if summarizer else None,
            "reason": ls.model_error,
        }


async def _watch_workspace_model(ls: HoverdocServer) -> None:
    """Ask the client to tell us when ``retrain`` installs a workspace model and when Python files
    change outside the editor."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[
            types.FileSystemWatcher(glob_pattern=f"**/{WORKSPACE_MODEL.as_posix()}/manifest.json"),
            types.FileSystemWatcher(glob_pattern="**/*.py"),  # keeps the workspace index current
            # a removed or renamed folder is reported once, as the folder, not as its .py files
            types.FileSystemWatcher(
                glob_pattern="**/*", kind=types.WatchKind.Create | types.WatchKind.Delete
            ),
        ]
    )
    try:
        await ls.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id=str(uuid.uuid4()),
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=options,
                    )
                ]
            )
        )
    except Exception:  # noqa: BLE001 - watching is a convenience; reloadModel does the same
        logger.info("client refused file watching", exc_info=True)
