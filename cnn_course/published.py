"""Published ImageNet results the course charts, each with where it comes from.

These numbers are *quoted*, never measured here (the course trains nothing on ImageNet). Costs
(parameters, multiplications) are not in this module: the chapters compute them by building the
networks (:mod:`cnn_course.models.landmarks`).

Top-1 accuracies are single model, single centre crop, on the 50,000 ILSVRC-2012 validation images.
Where a paper reports that number it is the paper's own (``PAPER``); where it reports none (GoogLeNet
gives a top-5 error only; AlexNet and ResNet average 10 crops; VGG evaluates densely, the whole image
at once, at one or several scales), the number is torchvision's documented accuracy of its reference
reimplementation (``REIMPLEMENTATION``: resize to 256, centre crop 224), so the chart never mixes test
procedures. A reimplementation is not always the paper's network: its ``protocol`` says how it differs.
``PAPERS_OWN`` keeps those papers' own numbers, with their procedure, for the table.
"""

from __future__ import annotations

from dataclasses import dataclass

PAPER = "the paper"
REIMPLEMENTATION = "reference reimplementation"
# torchvision documents acc@1 of its IMAGENET1K_V1 weights at pytorch.org/vision/stable/models.html.
TORCHVISION = "torchvision's documented acc@1"


@dataclass(frozen=True)
class Top1:
    """A published accuracy on ILSVRC-2012 validation, in percent: top-1 unless ``metric`` says top-5."""

    network: str
    accuracy: float
    kind: str  # PAPER or REIMPLEMENTATION
    source: str  # who states it, and where
    protocol: str  # how it was measured
    metric: str = "top-1"
    differs: str = ""  # how a reimplementation's network differs from the paper's


_SINGLE_CROP = "single model, single centre crop"

IMAGENET_TOP1 = {entry.network: entry for entry in (
    # torchvision's AlexNet is the variant of Krizhevsky 2014 ("one weird trick"): 64-192-384-256-256 filters,
    # 61.1 million parameters and 0.71 billion multiplications, not the 2012 paper's 96-256-384-384-256.
    Top1("AlexNet", 56.522, REIMPLEMENTATION, TORCHVISION, _SINGLE_CROP + " 224×224",
         differs="the 2014 'one weird trick' variant, 64-192-384-256-256 filters"),
    Top1("VGG-16", 71.592, REIMPLEMENTATION, TORCHVISION, _SINGLE_CROP + " 224×224"),
    # torchvision's GoogLeNet weights are ported from TensorFlow (TF-slim's Inception-v1): batch normalization
    # after every convolution and 3x3 kernels in the "5x5" branch, so not the paper's network.
    Top1("GoogLeNet", 69.778, REIMPLEMENTATION, TORCHVISION, _SINGLE_CROP + " 224×224",
         differs="batch-normalized, ported from TensorFlow: not the paper's network"),
    # torchvision's ResNets are "v1.5": the stride sits in the 3x3 convolution (4.09 billion multiplications for
    # ResNet-50 instead of 3.86), the parameters are the same.
    Top1("ResNet-50", 76.13, REIMPLEMENTATION, TORCHVISION, _SINGLE_CROP + " 224×224", differs="v1.5, the stride in the 3×3"),
    Top1("ResNet-152", 78.312, REIMPLEMENTATION, TORCHVISION, _SINGLE_CROP + " 224×224", differs="v1.5, the stride in the 3×3"),
    Top1("MobileNet", 70.6, PAPER, "Howard et al. 2017, MobileNets, Table 8 (1.0 MobileNet-224)", _SINGLE_CROP + " 224×224"),
    Top1("MobileNetV2", 72.0, PAPER, "Sandler et al. 2018, MobileNetV2, Table 4", _SINGLE_CROP + " 224×224"),
    Top1("EfficientNet-B0", 77.1, PAPER, "Tan and Le 2019, EfficientNet, Table 2", _SINGLE_CROP + " 224×224"),
)}

PAPERS_OWN = {entry.network: entry for entry in (
    # "1 CNN": top-1 error 40.7% on val, the average over 10 crops (4 corners, centre and their mirrors).
    Top1("AlexNet", 100 - 40.7, PAPER, "Krizhevsky et al. 2012, Table 2", "1 model, 10 crops"),
    # Configuration D trained at scales S in [256, 512], evaluated densely at the single scale Q = 384:
    # top-1 error 25.6% (24.8% over three test scales, Table 4; 24.4% dense + multi-crop, Table 5).
    Top1("VGG-16", 100 - 25.6, PAPER, "Simonyan and Zisserman 2015, Table 3", "1 model, dense, one scale (Q = 384)"),
    # "1 model, 1 crop": top-5 error 10.07%; the paper gives no top-1.
    Top1("GoogLeNet", 100 - 10.07, PAPER, "Szegedy et al. 2015, Table 3", "1 model, 1 crop", metric="top-5"),
    # Table 3 is "10-crop testing": top-1 errors 22.85% and 21.43%.
    Top1("ResNet-50", 100 - 22.85, PAPER, "He et al. 2015, Table 3", "1 model, 10 crops"),
    Top1("ResNet-152", 100 - 21.43, PAPER, "He et al. 2015, Table 3", "1 model, 10 crops"),
)}


@dataclass(frozen=True)
class StatedCost:
    """A network's size as its paper states it (rounded), for checking the size computed here."""

    network: str
    parameters: float | None
    multiplications: float | None  # multiply-adds per image (what most papers call FLOPs)
    source: str


STATED_COSTS = {entry.network: entry for entry in (
    StatedCost("AlexNet", 60e6, None, "Krizhevsky et al. 2012, abstract"),
    StatedCost("VGG-16", 138e6, None, "Simonyan and Zisserman 2014, Table 2 (D)"),
    StatedCost("GoogLeNet", 6.8e6, 1.5e9, "Szegedy et al. 2014, Table 1 (sum of params) and section 5"),
    StatedCost("ResNet-50", None, 3.8e9, "He et al. 2015, Table 1"),
    StatedCost("ResNet-152", None, 11.3e9, "He et al. 2015, Table 1"),
    StatedCost("MobileNet", 4.2e6, 569e6, "Howard et al. 2017, Table 8"),
    StatedCost("MobileNetV2", 3.4e6, 300e6, "Sandler et al. 2018, Table 4"),
    StatedCost("EfficientNet-B0", 5.3e6, 0.39e9, "Tan and Le 2019, Table 2"),
)}


@dataclass(frozen=True)
class ChallengeWinner:
    """The best ILSVRC classification entry of a year trained on the challenge's data only."""

    year: int
    team: str
    network: str
    top5_error: float  # percent, on the ILSVRC test images
    source: str


_RESULTS = "image-net.org/challenges/LSVRC/{}/results"
_RUSSAKOVSKY = "Russakovsky et al. 2015, IJCV, section 5"

# SuperVision's 16.4% (2012) and Clarifai's 11.7% (2013) used only the supplied training data; their
# entries with extra ImageNet Fall 2011 data scored 15.3% and 11.2%. Every year here is on that footing.
ILSVRC_WINNERS = (
    ChallengeWinner(2010, "NEC-UIUC", "NEC-UIUC", 28.2, _RUSSAKOVSKY),
    ChallengeWinner(2011, "XRCE", "XRCE", 25.8, _RUSSAKOVSKY),
    ChallengeWinner(2012, "SuperVision", "AlexNet", 16.4, _RESULTS.format(2012) + "; " + _RUSSAKOVSKY),
    ChallengeWinner(2013, "Clarifai", "ZFNet\n(Clarifai)", 11.7, _RESULTS.format(2013) + "; " + _RUSSAKOVSKY),
    ChallengeWinner(2014, "GoogLeNet", "GoogLeNet", 6.7, _RESULTS.format(2014) + "; " + _RUSSAKOVSKY),
    ChallengeWinner(2015, "MSRA", "ResNet", 3.57, _RESULTS.format(2015) + "; He et al. 2015, abstract"),
    ChallengeWinner(2016, "Trimps-Soushen", "Trimps-Soushen\n(ensemble)", 2.99, _RESULTS.format(2016)),
    ChallengeWinner(2017, "WMW", "SENet", 2.25, _RESULTS.format(2017) + "; Hu et al. 2017, SENet"),
)
RUNNER_UP_2014 = ChallengeWinner(2014, "VGG", "VGG", 7.3, _RESULTS.format(2014) + "; " + _RUSSAKOVSKY)

# One trained annotator (A. Karpathy) labelling 1,500 test images: 5.1% top-5 error.
HUMAN_TOP5_ERROR = 5.1
HUMAN_SOURCE = "Russakovsky et al. 2015, IJCV, section 6.4"
