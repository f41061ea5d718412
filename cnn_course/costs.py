"""Cost calculators for convolutions: output sizes, parameters and multiplications.

Small pure functions, so a chapter can compute every number the lectures quote and a test
can check them by hand. Costs count multiplications (one per filter weight per output value),
the measure the lectures use; additions and biases are left out.
"""

from __future__ import annotations

import math
from typing import NamedTuple


def conv_output_size(n: int, f: int, *, padding: int = 0, stride: int = 1) -> int:
    """Side of a convolution's output: ``floor((n + 2p - f) / s) + 1``."""
    if f > n + 2 * padding:
        raise ValueError(f"a {f}x{f} filter does not fit a {n}x{n} input with padding {padding}")
    return (n + 2 * padding - f) // stride + 1


def same_padding(f: int) -> int:
    """Padding ``p = (f - 1) / 2`` that keeps the size at stride 1 ("same"), for odd ``f``."""
    if f % 2 == 0:
        raise ValueError(f"'same' padding needs an odd filter size, got {f}")
    return (f - 1) // 2


def conv_multiplications(h_out: int, w_out: int, c_out: int, f: int, c_in: int) -> int:
    """Multiplications of a standard ``f x f`` convolution: every one of the
    ``h_out * w_out * c_out`` output values is a dot product of ``f * f * c_in`` numbers."""
    return h_out * w_out * c_out * f * f * c_in


def conv_parameters(f: int, c_in: int, c_out: int, *, bias: bool = True) -> int:
    """Learnable parameters of a convolution: ``c_out`` filters of ``f x f x c_in`` (+ a bias each)."""
    return (f * f * c_in + int(bias)) * c_out


def normal_conv_cost(n_out: int, f: int, c_in: int, c_out: int) -> int:
    """Multiplications of a standard convolution with a square ``n_out x n_out x c_out`` output.

    The lecture's form: (filter size ``f*f*c_in``) x (filter positions ``n_out**2``) x (filters ``c_out``).
    """
    return conv_multiplications(n_out, n_out, c_out, f, c_in)


class SeparableCost(NamedTuple):
    """Multiplications of a depthwise separable convolution, step by step."""

    depthwise: int
    pointwise: int
    total: int


def depthwise_separable_cost(n_out: int, f: int, c_in: int, c_out: int) -> SeparableCost:
    """Cost of a depthwise ``f x f`` convolution (one filter per input channel) followed by
    a pointwise ``1 x 1 x c_in`` convolution with ``c_out`` filters, for a square output."""
    depthwise = f * f * n_out * n_out * c_in
    pointwise = c_in * n_out * n_out * c_out
    return SeparableCost(depthwise, pointwise, depthwise + pointwise)


def cost_ratio(c_out: int, f: int) -> float:
    """Depthwise separable cost over normal cost: ``1 / c_out + 1 / f**2`` (exact, for any size)."""
    return 1 / c_out + 1 / f**2


def depthwise_separable_parameters(f: int, c_in: int, c_out: int, *, bias: bool = True) -> int:
    """Parameters of a depthwise ``f x f`` convolution plus a pointwise one (biases on both if ``bias``)."""
    return (f * f + int(bias)) * c_in + conv_parameters(1, c_in, c_out, bias=bias)


class BottleneckCost(NamedTuple):
    """Multiplications of a 1x1 reduction ("bottleneck") followed by an ``f x f`` convolution."""

    reduce: int
    conv: int
    total: int


def bottleneck_cost(h_out: int, w_out: int, c_in: int, c_bottleneck: int, c_out: int, f: int) -> BottleneckCost:
    """Cost of shrinking ``c_in`` to ``c_bottleneck`` channels with 1x1 filters, then an
    ``f x f`` "same" convolution to ``c_out`` channels, all at ``h_out x w_out``."""
    reduce = conv_multiplications(h_out, w_out, c_bottleneck, 1, c_in)
    conv = conv_multiplications(h_out, w_out, c_out, f, c_bottleneck)
    return BottleneckCost(reduce, conv, reduce + conv)


# EfficientNet's grid-searched coefficients (Tan & Le, 2019, section 3.3).
EFFICIENTNET_ALPHA, EFFICIENTNET_BETA, EFFICIENTNET_GAMMA = 1.2, 1.1, 1.15


class Scaling(NamedTuple):
    """Multipliers of compound scaling at one ``phi``."""

    phi: float
    depth: float
    width: float
    resolution: float
    flops: float


def compound_scaling(
    phi: float,
    alpha: float = EFFICIENTNET_ALPHA,
    beta: float = EFFICIENTNET_BETA,
    gamma: float = EFFICIENTNET_GAMMA,
) -> Scaling:
    """Depth ``alpha**phi``, width ``beta**phi`` and resolution ``gamma**phi`` multipliers.

    FLOPs grow linearly with depth and quadratically with width and resolution, so by
    ``(alpha * beta**2 * gamma**2) ** phi`` -- about ``2**phi`` when that product is about 2.
    """
    depth, width, resolution = alpha**phi, beta**phi, gamma**phi
    return Scaling(phi, depth, width, resolution, depth * width**2 * resolution**2)


def keras_multiplications(model) -> int:
    """Multiplications of the convolutional and dense layers of a built Keras model.

    Counted from each layer's kernel and output shapes (batch size 1); pooling, batch
    normalization, activations and biases are ignored, as in the lectures' counts.
    """
    return sum(layer_multiplications(layer) for layer in _leaf_layers(model))


def layer_multiplications(layer) -> int:
    """Multiplications of one built Keras layer (0 for layers without a kernel)."""
    kind = type(layer).__name__
    if kind not in {"Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense"}:
        return 0
    positions = math.prod(int(d) for d in layer.output.shape[1:-1])  # output pixels (1 for vectors)
    if kind == "Conv2D":
        kh, kw, c_in, c_out = layer.kernel.shape
        return positions * int(c_out) * int(kh) * int(kw) * int(c_in)
    if kind == "Dense":
        c_in, c_out = layer.kernel.shape
        return positions * int(c_in) * int(c_out)
    if kind == "DepthwiseConv2D":
        kh, kw, c_in, multiplier = layer.kernel.shape
        return positions * int(c_in) * int(multiplier) * int(kh) * int(kw)
    kh, kw, c_in, multiplier = layer.depthwise_kernel.shape  # SeparableConv2D: depthwise, then pointwise
    c_mid, c_out = layer.pointwise_kernel.shape[-2:]
    return positions * (int(kh) * int(kw) * int(c_in) * int(multiplier) + int(c_mid) * int(c_out))


def _leaf_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:  # nested model
            yield from _leaf_layers(layer)
        else:
            yield layer


# ResNet-50 (He et al., 2015, table 1): bottleneck blocks per stage and the width of each block's
# 1x1 reduction and 3x3 convolution; the last 1x1 expands to BOTTLENECK_EXPANSION times that width.
RESNET50_STAGES = (3, 4, 6, 3)
RESNET50_WIDTHS = (64, 128, 256, 512)
BOTTLENECK_EXPANSION = 4


class PartCost(NamedTuple):
    """One part of a network (stem, stage, head): its output shape, blocks and costs for one image.

    ``parameters`` are the learned weights (kernels, biases, batch norm's gamma and beta);
    ``statistics`` are batch norm's moving means and variances, which Keras's ``count_params()``
    also counts.
    """

    part: str
    output: tuple[int, ...]
    blocks: int
    parameters: int
    statistics: int
    multiplications: int


def _conv_bn(side_out: int, f: int, c_in: int, c_out: int, bias: bool) -> tuple[int, int, int]:
    """(parameters, statistics, multiplications) of an ``f x f`` convolution followed by batch norm."""
    return (conv_parameters(f, c_in, c_out, bias=bias) + 2 * c_out, 2 * c_out,
            conv_multiplications(side_out, side_out, c_out, f, c_in))


def bottleneck_resnet_costs(input_side: int = 224, classes: int = 1000, *, stages=RESNET50_STAGES,
                            widths=RESNET50_WIDTHS, conv_bias: bool = False, stride_in_3x3: bool = False,
                            input_channels: int = 3) -> list[PartCost]:
    """Per-part costs of a ResNet built from bottleneck blocks (ResNet-50 by default), by arithmetic.

    Stem: 7x7/2 conv + BN, 3x3/2 max-pool. Each block: 1x1 to ``width``, 3x3 "same", 1x1 to
    ``4 * width``, each followed by BN; the first block of a stage has a 1x1 projection shortcut
    (+ BN) and, after the first stage, halves the grid. The paper (and Keras's ``ResNet50``) puts
    that stride in the first 1x1 convolution; ``stride_in_3x3`` moves it to the 3x3 one, as
    torchvision's "ResNet v1.5" does, which costs more multiplications for the same parameters.
    Head: global average pooling and a fully connected layer with bias. ``conv_bias`` adds a bias
    to every convolution, as Keras's ``ResNet50`` and the graded assignment do.
    """
    side = conv_output_size(input_side, 7, padding=3, stride=2)
    stem = _conv_bn(side, 7, input_channels, 64, conv_bias)
    side = conv_output_size(side, 3, padding=1, stride=2)
    rows = [PartCost("stem", (side, side, 64), 0, *stem)]
    channels = 64
    for index, (blocks, width) in enumerate(zip(stages, widths)):
        totals = [0, 0, 0]
        for block in range(blocks):
            stride = 2 if index and block == 0 else 1
            out_side = conv_output_size(side, 1, stride=stride)  # 1x1 "valid" or 3x3 "same": ceil(side / stride)
            convs = [(side if stride_in_3x3 else out_side, 1, channels, width), (out_side, 3, width, width),
                     (out_side, 1, width, BOTTLENECK_EXPANSION * width)]
            if block == 0:
                convs.append((out_side, 1, channels, BOTTLENECK_EXPANSION * width))  # projection shortcut
            for conv in convs:
                totals = [total + cost for total, cost in zip(totals, _conv_bn(*conv, bias=conv_bias))]
            side, channels = out_side, BOTTLENECK_EXPANSION * width
        rows.append(PartCost(f"conv{index + 2}_x", (side, side, channels), blocks, *totals))
    rows.append(PartCost("head", (classes,), 0, conv_parameters(1, channels, classes), 0, channels * classes))
    return rows
