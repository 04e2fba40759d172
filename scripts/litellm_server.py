"""Run the LiteLLM proxy on 127.0.0.1 in front of a llama-server, for the prober.

    python scripts/litellm_server.py probe --output data/reports/litellm/   # start both, probe, stop
    python scripts/litellm_server.py serve                                 # start both, print the URL, wait

LiteLLM is installed once by ``scripts/install_server.sh litellm`` (``litellm[proxy]``, pinned
below 1.82; ``LITELLM_PYTHON`` overrides which environment is used). The backend is the same
llama-server ``scripts/llama_server.py`` starts, with its own key; LiteLLM routes the one model
name to it through its generic OpenAI-compatible provider (``openai/<model>`` with ``api_base``),
the setup LiteLLM documents for OpenAI-compatible local servers. The proxy's master key is random
(LiteLLM wants it to start with ``sk-``); both keys travel in the environment, named in the config
as ``os.environ/...``, so neither is written to disk or shown in a process list.

LiteLLM looks up its model price list on the network at start unless told to use the copy it
ships: ``LITELLM_LOCAL_MODEL_COST_MAP`` (set for every server in ``real_server.OFFLINE_ENV``).
"""

from __future__ import annotations

import secrets
import sys

from llama_server import ALIAS, BACKEND_TOKEN_CAP, LlamaServer
from real_server import BASE_MODEL_WORDS, SERVED_MODEL, RealServer, installed_python, main, package_version

CONFIG = """\
model_list:
  - model_name: {served}
    litellm_params:
      model: openai/{backend_model}
      api_base: {backend_url}
      api_key: os.environ/AIOC_BACKEND_KEY
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
litellm_settings:
  telemetry: false
"""


class LiteLLMProxy(RealServer):
    """The LiteLLM proxy on 127.0.0.1, its one model routed to a llama-server it starts first."""

    implementation = "litellm"
    label = "LiteLLM proxy"
    health_path = "/health/liveliness"
    served_model = SERVED_MODEL
    embedding_model = SERVED_MODEL

    def __init__(self) -> None:
        super().__init__(api_key="sk-aioc-" + secrets.token_urlsafe(24))
        self.python = installed_python("litellm", "LITELLM_PYTHON")
        self.llama = LlamaServer(n_predict=BACKEND_TOKEN_CAP)
        self.backend = self.llama  # started and stopped with this server by RealServer

    def prepare(self) -> None:
        assert self.backend is not None
        config = CONFIG.format(served=SERVED_MODEL, backend_model=ALIAS, backend_url=self.backend.base_url)
        self.config = self.private_file("litellm.yaml", config)

    def command(self) -> list[str]:
        litellm = self.python.parent / "litellm"
        return [str(litellm), "--config", str(self.config), "--host", "127.0.0.1", "--port", str(self.port)]

    def environment(self) -> dict[str, str]:
        assert self.backend is not None
        return {"LITELLM_MASTER_KEY": self.api_key, "AIOC_BACKEND_KEY": self.backend.api_key}

    def version(self) -> str:
        return f"litellm {package_version(self.python, 'litellm')}"

    def note(self) -> str:
        assert self.backend is not None
        return (
            f"Probed by `scripts/litellm_server.py`: the LiteLLM proxy (`litellm[proxy]` "
            f"{package_version(self.python, 'litellm')} from PyPI), started with `litellm --config` on "
            f"127.0.0.1 with a master key, routing the model `{SERVED_MODEL}` through its `openai/` "
            f"provider to a llama-server on 127.0.0.1 (`{self.backend.version()}`, "
            f"`{' '.join(self.llama.flags())}`, its own API key). What LiteLLM adds or loses against "
            f"that llama-server is what this column shows. {BASE_MODEL_WORDS}"
        )


if __name__ == "__main__":
    sys.exit(main(LiteLLMProxy, doc=__doc__))
