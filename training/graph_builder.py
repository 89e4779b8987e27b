"""Builds a TF.js graph model (model.json + weight shard) by hand, without TensorFlow.

The topology is a TensorFlow GraphDef in proto-JSON form (what tfjs-converter writes):
every node has name/op/input/attr; attr values use the proto3 JSON mapping (int64 as strings,
bytes as base64). Every Const's value lives in the weights manifest, keyed by the node name.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

import numpy as np

_DT = {np.dtype('float32'): 'DT_FLOAT', np.dtype('int32'): 'DT_INT32'}
_MANIFEST_DT = {np.dtype('float32'): 'float32', np.dtype('int32'): 'int32'}


def _s(text: str) -> dict:
    return {'s': base64.b64encode(text.encode()).decode()}


def _ints(values) -> dict:
    return {'list': {'i': [str(int(v)) for v in values]}}


def _shape(dims) -> dict:
    return {'dim': [{'size': str(int(d))} for d in dims]}


def _conv_attrs(stride: int, padding: str) -> dict:
    """The attributes TF's converter writes on Conv2D and Conv2DBackpropInput (NHWC, no dilation)."""
    return {
        'T': {'type': 'DT_FLOAT'},
        'strides': _ints([1, stride, stride, 1]),
        'padding': _s(padding),
        'data_format': _s('NHWC'),
        'dilations': _ints([1, 1, 1, 1]),
        'use_cudnn_on_gpu': {'b': True},
        'explicit_paddings': {'list': {}},
    }


@dataclass
class GraphBuilder:
    nodes: list = field(default_factory=list)
    consts: list = field(default_factory=list)  # (name, np.ndarray)
    inputs: dict = field(default_factory=dict)  # signature key -> (node name, shape)
    outputs: dict = field(default_factory=dict)
    _names: set = field(default_factory=set)

    def _node(self, name: str, op: str, inputs=(), attr=None) -> str:
        if name in self._names:
            raise ValueError(f'duplicate node name {name}')
        self._names.add(name)
        node = {'name': name, 'op': op}
        if inputs:
            node['input'] = list(inputs)
        node['attr'] = attr or {}
        self.nodes.append(node)
        return name

    # --- leaves -------------------------------------------------------------------------------
    def placeholder(self, name: str, shape) -> str:
        self.inputs[name] = (name, list(shape))
        return self._node(name, 'Placeholder', attr={'dtype': {'type': 'DT_FLOAT'}, 'shape': {'shape': _shape(shape)}})

    def const(self, name: str, value) -> str:
        arr = np.ascontiguousarray(value)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        if arr.dtype == np.int64:
            arr = arr.astype(np.int32)
        if arr.dtype not in _DT:
            raise TypeError(f'unsupported const dtype {arr.dtype} for {name}')
        self.consts.append((name, arr))
        dt = _DT[arr.dtype]
        return self._node(name, 'Const', attr={
            'dtype': {'type': dt},
            'value': {'tensor': {'dtype': dt, 'tensorShape': _shape(arr.shape)}},
        })

    # --- ops ----------------------------------------------------------------------------------
    def conv2d(self, name: str, x: str, weight_oihw: np.ndarray, bias: np.ndarray | None, stride=1, padding='SAME') -> str:
        # PyTorch OIHW -> TF HWIO
        w = self.const(f'{name}/kernel', np.transpose(weight_oihw, (2, 3, 1, 0)))
        y = self._node(f'{name}/Conv2D', 'Conv2D', [x, w], _conv_attrs(stride, padding))
        if bias is None:
            return y
        return self.bias_add(f'{name}/BiasAdd', y, bias)

    def bias_add(self, name: str, x: str, bias: np.ndarray) -> str:
        b = self.const(f'{name}/bias', bias)
        return self._node(name, 'BiasAdd', [x, b], {'T': {'type': 'DT_FLOAT'}, 'data_format': _s('NHWC')})

    def conv2d_transpose(self, name: str, x: str, weight_iohw: np.ndarray, bias: np.ndarray | None,
                         stride: int, out_shape) -> str:
        # PyTorch ConvTranspose2d weight is (in, out, kH, kW); Conv2DBackpropInput wants HWOI
        # (its filter is the forward conv's HWIO filter, whose "in" is our output).
        w = self.const(f'{name}/kernel', np.transpose(weight_iohw, (2, 3, 1, 0)))
        size = self.const(f'{name}/output_shape', np.array(out_shape, dtype=np.int32))
        y = self._node(f'{name}/conv2d_transpose', 'Conv2DBackpropInput', [size, w, x], _conv_attrs(stride, 'VALID'))
        if bias is None:
            return y
        return self.bias_add(f'{name}/BiasAdd', y, bias)

    def relu(self, name: str, x: str) -> str:
        return self._node(name, 'Relu', [x], {'T': {'type': 'DT_FLOAT'}})

    def sigmoid(self, name: str, x: str) -> str:
        return self._node(name, 'Sigmoid', [x], {'T': {'type': 'DT_FLOAT'}})

    def identity(self, name: str, x: str) -> str:
        return self._node(name, 'Identity', [x], {'T': {'type': 'DT_FLOAT'}})

    def max_pool(self, name: str, x: str, k=2) -> str:
        return self._node(name, 'MaxPool', [x], {
            'T': {'type': 'DT_FLOAT'},
            'ksize': _ints([1, k, k, 1]),
            'strides': _ints([1, k, k, 1]),
            'padding': _s('VALID'),
            'data_format': _s('NHWC'),
        })

    def resize_bilinear(self, name: str, x: str, size) -> str:
        # half_pixel_centers=True, align_corners=False is torch's align_corners=False.
        s = self.const(f'{name}/size', np.array(size, dtype=np.int32))
        return self._node(name, 'ResizeBilinear', [x, s], {
            'T': {'type': 'DT_FLOAT'},
            'align_corners': {'b': False},
            'half_pixel_centers': {'b': True},
        })

    def slice(self, name: str, x: str, begin, size) -> str:
        b = self.const(f'{name}/begin', np.array(begin, dtype=np.int32))
        s = self.const(f'{name}/size', np.array(size, dtype=np.int32))
        return self._node(name, 'Slice', [x, b, s], {'T': {'type': 'DT_FLOAT'}, 'Index': {'type': 'DT_INT32'}})

    def concat(self, name: str, xs, axis=3) -> str:
        a = self.const(f'{name}/axis', np.array(axis, dtype=np.int32))
        return self._node(name, 'ConcatV2', [*xs, a], {
            'T': {'type': 'DT_FLOAT'}, 'N': {'i': str(len(xs))}, 'Tidx': {'type': 'DT_INT32'},
        })

    def output(self, key: str, x: str, shape) -> str:
        name = self.identity(key, x)
        self.outputs[key] = (name, list(shape))
        return name

    # --- serialisation ------------------------------------------------------------------------
    def weights(self, float16: bool) -> tuple[list, bytes]:
        entries, chunks = [], []
        for name, arr in self.consts:
            entry = {'name': name, 'shape': list(arr.shape), 'dtype': _MANIFEST_DT[arr.dtype]}
            if float16 and arr.dtype == np.float32:
                entry['quantization'] = {'dtype': 'float16'}
                chunks.append(arr.astype('<f2').tobytes())
            else:
                chunks.append(arr.astype(arr.dtype.newbyteorder('<')).tobytes())
            entries.append(entry)
        return entries, b''.join(chunks)

    def model_json(self, weight_entries: list, shard_name: str, generated_by: str) -> dict:
        def sig(d):
            return {k: {'name': f'{n}:0', 'dtype': 'DT_FLOAT', 'tensorShape': _shape(s)} for k, (n, s) in d.items()}

        return {
            'format': 'graph-model',
            'generatedBy': generated_by,
            'convertedBy': 'mrn-viewer training/export_tfjs.py (hand-written GraphDef JSON, no TensorFlow)',
            'modelTopology': {'node': self.nodes, 'library': {}, 'versions': {'producer': 1286}},
            'weightsManifest': [{'paths': [shard_name], 'weights': weight_entries}],
            'signature': {'inputs': sig(self.inputs), 'outputs': sig(self.outputs)},
        }


def dumps(obj) -> str:
    return json.dumps(obj, separators=(',', ':'))
