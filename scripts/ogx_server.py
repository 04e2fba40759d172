"""Run OGX (formerly Llama Stack) on 127.0.0.1 in front of a llama-server, for the prober.

    python scripts/ogx_server.py probe --output data/reports/ogx/   # start both, probe, stop
    python scripts/ogx_server.py serve                             # start both, print the URL, wait

OGX is installed once by ``scripts/install_server.sh ogx`` (it needs Python 3.12 or newer;
``OGX_PYTHON`` overrides which environment is used). The run config below is the smallest that
serves what OGX offers over the OpenAI API here: inference through ``remote::llama-cpp-server``
(the llama-server ``scripts/llama_server.py`` starts, with its own key), files on the local disk,
vector stores in FAISS (embedded by the same model through llama-server's ``/v1/embeddings``), the
file-search tool, the built-in Responses implementation and sqlite for
everything stored (conversations, prompts, responses). ``--insecure`` allows plain HTTP on
loopback. The vector store is ``inline::faiss``, not ``inline::sqlite-vec``: sqlite-vec is a SQLite
extension, and the Python 3.12/3.13 builds on this kind of machine have a ``sqlite3`` that cannot load
extensions (``enable_load_extension`` is missing), so every vector store creation answered 500.
The API key is OGX's ``local_api_key`` provider; both keys reach the config as
``${env.…}`` references, so the file holds neither.

OGX reads tiktoken's ``cl100k_base`` encoding at start and would download it: the copy the LiteLLM
package ships (named by the SHA-1 of its download address, as tiktoken's cache expects) is put in a
private ``TIKTOKEN_CACHE_DIR``; without LiteLLM installed, OGX is not started.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

from llama_server import ALIAS, BACKEND_TOKEN_CAP, LlamaServer
from real_server import (
    BASE_MODEL_WORDS,
    SERVED_MODEL,
    RealServer,
    ServerUnavailable,
    installed_python,
    main,
    package_version,
)

PROVIDER = "llama-cpp"
EMBEDDING_DIMENSIONS = 640
"""Gemma 3 270M's hidden size: what llama-server's mean-pooled embeddings measure."""
CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"

CONFIG = """\
version: 2
distro_name: aioc-llamacpp
apis: [files, file_processors, inference, responses, vector_io, tool_runtime]
providers:
  inference:
  - provider_id: {provider}
    provider_type: remote::llama-cpp-server
    config:
      base_url: {backend_url}
      api_key: ${{env.AIOC_BACKEND_KEY}}
  file_processors:
  - {{provider_id: pypdf, provider_type: inline::pypdf}}
  files:
  - provider_id: builtin-files
    provider_type: inline::localfs
    config:
      storage_dir: {state}/files
      metadata_store: {{table_name: files_metadata, backend: sql_default}}
  vector_io:
  - provider_id: faiss
    provider_type: inline::faiss
    config:
      persistence: {{namespace: "vector_io::faiss", backend: kv_default}}
  tool_runtime:
  - {{provider_id: file-search, provider_type: inline::file-search}}
  responses:
  - provider_id: builtin
    provider_type: inline::builtin
    config:
      persistence: {{responses: {{table_name: responses, backend: sql_default}}}}
      memory_config: {{default_vector_store_provider_id: faiss}}
storage:
  backends:
    kv_default: {{type: kv_sqlite, db_path: {state}/kvstore.db}}
    sql_default: {{type: sql_sqlite, db_path: {state}/sql_store.db}}
  stores:
    metadata: {{namespace: registry, backend: kv_default}}
    inference: {{table_name: inference_store, backend: sql_default}}
    conversations: {{table_name: openai_conversations, backend: sql_default}}
    prompts: {{table_name: prompts, backend: sql_default}}
    connectors: {{table_name: connectors, backend: sql_default}}
registered_resources:
  models:
  - model_id: {served}
    provider_id: {provider}
    provider_model_id: {backend_model}
    model_type: llm
    metadata: {{}}
  - model_id: {served}-embedding
    provider_id: {provider}
    provider_model_id: {backend_model}
    model_type: embedding
    metadata: {{embedding_dimension: {dimensions}}}
vector_stores:
  default_provider_id: faiss
  default_embedding_model:
    provider_id: {provider}
    model_id: {served}-embedding
    embedding_dimensions: {dimensions}
server:
  port: {port}
  host: 127.0.0.1
  auth:
    provider_config:
      type: local_api_key
      api_keys: ["${{env.AIOC_OGX_KEY}}"]
"""


def tiktoken_file() -> Path:
    """The cl100k_base file LiteLLM ships, which OGX needs offline."""
    try:
        python = installed_python("litellm", "LITELLM_PYTHON")
    except ServerUnavailable as exc:
        raise ServerUnavailable(
            f"OGX needs tiktoken's cl100k_base offline, from LiteLLM's copy: {exc}"
        ) from None
    found = sorted(
        python.parent.parent.glob("lib/python3*/site-packages/litellm/litellm_core_utils/tokenizers/*")
    )
    name = hashlib.sha1(CL100K_URL.encode()).hexdigest()
    for path in found:
        if path.name == name or path.name.startswith("cl100k"):
            return path
    raise ServerUnavailable("the LiteLLM package holds no cl100k_base file for OGX")


class OGXServer(RealServer):
    """OGX on 127.0.0.1 with a llama-server behind it, started first."""

    implementation = "ogx"
    label = "OGX"
    health_path = "/v1/health"
    health_needs_key = True
    served_model = f"{PROVIDER}/{SERVED_MODEL}"
    embedding_model = f"{PROVIDER}/{SERVED_MODEL}-embedding"

    def __init__(self) -> None:
        super().__init__()
        self.python = installed_python("ogx", "OGX_PYTHON")
        self.tiktoken = tiktoken_file()
        self.llama = LlamaServer(n_predict=BACKEND_TOKEN_CAP)
        self.backend = self.llama  # started and stopped with this server by RealServer

    def prepare(self) -> None:
        assert self.backend is not None and self.workdir is not None
        state = self.workdir / "state"
        (state / "files").mkdir(parents=True)
        tiktoken_dir = self.workdir / "tiktoken"
        tiktoken_dir.mkdir()
        shutil.copyfile(self.tiktoken, tiktoken_dir / hashlib.sha1(CL100K_URL.encode()).hexdigest())
        self.config = self.private_file(
            "ogx.yaml",
            CONFIG.format(
                provider=PROVIDER,
                backend_url=self.backend.base_url,
                backend_model=ALIAS,
                served=SERVED_MODEL,
                dimensions=EMBEDDING_DIMENSIONS,
                state=state,
                port=self.port,
            ),
        )

    def command(self) -> list[str]:
        return [str(self.python.parent / "ogx"), "run", str(self.config), "--insecure"]

    def environment(self) -> dict[str, str]:
        assert self.backend is not None and self.workdir is not None
        return {
            "AIOC_OGX_KEY": self.api_key,
            "AIOC_BACKEND_KEY": self.backend.api_key,
            "TIKTOKEN_CACHE_DIR": str(self.workdir / "tiktoken"),
            "OGX_CONFIG_DIR": str(self.workdir / "state"),
            "HOME": str(self.workdir),
        }

    def version(self) -> str:
        return f"ogx {package_version(self.python, 'ogx')}"

    def note(self) -> str:
        assert self.backend is not None
        return (
            f"Probed by `scripts/ogx_server.py`: OGX (formerly Llama Stack; `ogx` "
            f"{package_version(self.python, 'ogx')} from PyPI), started with `ogx run CONFIG --insecure` on "
            "127.0.0.1 with its `local_api_key` auth, `remote::llama-cpp-server` inference, "
            "`inline::localfs` files, `inline::pypdf` file processing, `inline::faiss` vector stores, "
            "`inline::file-search` tools, "
            "`inline::builtin` responses and sqlite storage. Behind it, a llama-server on 127.0.0.1 "
            f"(`{self.backend.version()}`, `{' '.join(self.llama.flags())}`, its own API key) serves "
            f"the model as `{self.served_model}` and its embeddings as `{self.embedding_model}`. "
            f"{BASE_MODEL_WORDS}"
        )


if __name__ == "__main__":
    sys.exit(main(OGXServer, doc=__doc__))
