"""A tiny reader/writer of the safetensors format for PyTorch, for machines without the
`safetensors` package (Debian 12 has none). Standard library + numpy + torch only.

The format (https://github.com/huggingface/safetensors):
  8 bytes      N, the header length, unsigned little-endian
  N bytes      JSON: {"__metadata__": {"key": "value"},            (optional, strings only)
                      "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
               (may be padded with trailing spaces)
  the rest     the byte buffer; each tensor is row-major, little-endian, at buffer[begin:end]

    from safetensors_torch import load_file, save_file
    save_file(model.state_dict(), "w.safetensors", metadata={"model": "mlp"})
    model.load_state_dict(load_file("w.safetensors"))
"""
import json
import struct

import numpy as np
import torch

# Readable dtypes: safetensors name -> (little-endian numpy dtype of the raw bytes, torch dtype).
# BF16 has no numpy type: its bytes are read as 16-bit integers and reinterpreted by torch.
_DTYPES = {
    "F32": ("<f4", torch.float32),
    "F64": ("<f8", torch.float64),
    "F16": ("<f2", torch.float16),
    "BF16": ("<i2", torch.bfloat16),
}


def load_file(path):
    """Returns {name: torch.Tensor} in the file's header order, each in the file's dtype."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    buffer = memoryview(data)[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: {name}: unsupported dtype {info['dtype']}")
        np_dtype, torch_dtype = _DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64))  # prod([]) = 1: a scalar
        size = count * np.dtype(np_dtype).itemsize
        if not 0 <= begin <= end <= len(buffer) or end - begin != size:
            raise ValueError(f"{path}: {name}: data_offsets {begin, end} do not fit shape "
                             f"{info['shape']} or the file")
        # Little-endian bytes -> native-order array (a copy, so the tensor owns writable memory).
        array = np.frombuffer(buffer[begin:end], dtype=np_dtype).astype(np_dtype[1:])
        tensor = torch.from_numpy(array)
        if torch_dtype == torch.bfloat16:
            tensor = tensor.view(torch.bfloat16)  # same bits, reinterpreted
        tensors[name] = tensor.reshape(info["shape"])
    return tensors


def save_file(tensors, path, metadata=None):
    """Writes {name: tensor} as F32 (whatever the tensors' dtype), in the dict's order, with
    optional {str: str} metadata."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, tensor in tensors.items():
        raw = tensor.detach().cpu().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad so the buffer starts 8-byte aligned, as safetensors does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)
