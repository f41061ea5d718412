"""Keras graphs as the kit observes them (:func:`autograder.kernel.graph`: plain data, ``{"nodes", "outputs"}``),
described and put in one canonical form on the trusted side, so that equivalent models read alike.

Each node is ``{"type", "config", "inputs", "training"}``, its inputs the indices of earlier nodes.
"""

from __future__ import annotations


def layer_label(kind: str, config: dict) -> str:
    """A short, name-free description of a layer call; equivalent spellings get the same label."""
    if kind in ("ReLU", "Relu") or (kind == "Activation" and config.get("activation") == "relu"):
        return "ReLU"
    if kind == "InputLayer":
        return "X"
    if kind == "Conv2D":
        size, strides, padding = config.get("kernel_size"), config.get("strides"), config.get("padding")
        if size in ([1, 1], 1):  # a 1x1 window never needs padding: 'same' and 'valid' compute the same
            padding = "valid"
        text = f"Conv2D({config.get('filters')} filters, {_pair(size, 'x')}, stride {_pair(strides, ', ')}, "
        text += f"{padding}"
        if config.get("activation") not in (None, "linear"):
            text += f", activation={config['activation']}"
        return text + ")"
    if kind == "BatchNormalization":
        axis = config.get("axis")
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        return f"BatchNormalization(axis={3 if axis == -1 else axis})"
    if config:
        return f"{kind}({', '.join(f'{k}={_pair(v, chr(44) + chr(32))}' for k, v in sorted(config.items()))})"
    return kind


def _pair(value, separator):
    if isinstance(value, list) and len(value) == 2 and value[0] == value[1]:
        return str(value[0]) if separator == ", " else f"{value[0]}{separator}{value[1]}"
    if isinstance(value, list):
        return "(" + separator.join(str(v) for v in value) + ")" if separator == ", " else separator.join(map(str, value))
    return str(value)


def labels(graph: dict) -> list[str]:
    return [layer_label(node["type"], node["config"]) for node in graph["nodes"]]


def chain_back(graph: dict, names: list[str], index: int) -> tuple[list[str], int]:
    """Follow single-input layers back from node ``index``; return their labels (first to last) and
    the node where the walk stopped (the block input or a layer with several inputs)."""
    chain, nodes = [], graph["nodes"]
    while len(nodes[index]["inputs"]) == 1 and names[index] != "Add":
        chain.append(names[index])
        index = nodes[index]["inputs"][0]
    return chain[::-1], index


def block_structure(graph: dict) -> dict:
    """What a residual block computes: the layers after the addition and the two added branches."""
    names = labels(graph)
    after, stop = chain_back(graph, names, graph["outputs"][0])
    if names[stop] != "Add":
        return {"add": False, "chain": after, "after": after, "branches": []}
    branches = []
    for source in graph["nodes"][stop]["inputs"]:
        chain, end = chain_back(graph, names, source)
        branches.append([names[end]] + chain)
    branches.sort(key=len, reverse=True)  # the main path first, then the shortcut
    return {"add": True, "after": after, "branches": branches}


ACTIVATION_LAYERS = {"Softmax": "softmax", "ReLU": "relu", "Relu": "relu", "Sigmoid": "sigmoid"}


def fold_activations(graph: dict) -> dict:
    """The graph with each separate activation (a Softmax or ReLU layer, Activation(...), keras.ops)
    folded into the Dense or Conv2D it follows, so `Dense(n)` + `Softmax()` reads as
    `Dense(n, activation='softmax')`: the same function, the same description."""
    nodes, remap, kept = graph["nodes"], {}, []
    for index, node in enumerate(nodes):
        name = ACTIVATION_LAYERS.get(node["type"]) or (
            node["config"].get("activation") if node["type"] == "Activation" else None)
        inputs = [remap[i] for i in node["inputs"]]
        if name and len(inputs) == 1:
            source = kept[inputs[0]]
            if source["type"] in ("Dense", "Conv2D") and source["config"].get("activation") in (None, "linear"):
                source["config"] = {**source["config"], "activation": name}
                remap[index] = inputs[0]
                continue
        remap[index] = len(kept)
        kept.append({**node, "inputs": inputs})
    return {"nodes": kept, "outputs": [remap[i] for i in graph["outputs"]]}


def relu_before_max_pooling(graph: dict) -> dict:
    """The graph with every ReLU that follows a max pooling moved before it: the two commute (the
    maximum of rectified values is the rectified maximum), so either order is the same function."""
    nodes = [dict(node) for node in graph["nodes"]]
    users = {}
    for node in nodes:
        for source in node["inputs"]:
            users[source] = users.get(source, 0) + 1
    for node in nodes:
        if layer_label(node["type"], node["config"]) == "ReLU" and len(node["inputs"]) == 1:
            pool = node["inputs"][0]
            if nodes[pool]["type"] == "MaxPooling2D" and users.get(pool) == 1:
                moved = {key: nodes[pool][key] for key in ("type", "config")}
                nodes[pool].update({key: node[key] for key in ("type", "config")})
                node.update(moved)
    return {"nodes": nodes, "outputs": graph["outputs"]}


def canonical_graph(graph: dict) -> dict:
    """One spelling for equivalent models: activations folded into the layer they follow, ReLUs
    before max pooling."""
    return relu_before_max_pooling(fold_activations(graph))


def canonical_layers(graph: dict) -> list[tuple[int, str]]:
    """Every layer call with its depth (longest path from the input), sorted: the same for any
    correct model, whatever order its layers were created or its additions' inputs were listed in,
    whether activations are separate layers or arguments, and whether a ReLU comes before or after
    the max pooling it commutes with."""
    graph = canonical_graph(graph)
    names, depth = labels(graph), {}
    for index, node in enumerate(graph["nodes"]):  # nodes come after their inputs
        depth[index] = 1 + max((depth[i] for i in node["inputs"]), default=-1)
    return sorted((depth[i], names[i]) for i in range(len(names)))
