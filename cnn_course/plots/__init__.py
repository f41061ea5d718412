"""The course's figures, one module per kind of figure:

- :mod:`~cnn_course.plots.architectures`: networks and blocks (activation volumes, the residual block,
  ResNet's identity and convolutional blocks, ResNet-50, the inception module, GoogLeNet, which layers
  transfer learning trains);
- :mod:`~cnn_course.plots.model_graphs`: a Keras functional model drawn as a graph of its layers;
- :mod:`~cnn_course.plots.image_grids`: images in a grid, small arrays with their values;
- :mod:`~cnn_course.plots.training`: learning curves and the time line of an input pipeline;
- :mod:`~cnn_course.plots.cost_charts`: parameters, depth and memory of networks;
- :mod:`~cnn_course.plots.concept_diagrams`: ideas rather than networks;
- :mod:`~cnn_course.plots.shapes`: the boxes and arrows the diagrams are drawn with.
- :mod:`~cnn_course.plots.inline`: how a notebook shows figures (SVG, called by the chapters' setup cell).
- :mod:`~cnn_course.plots.figure_files`: figures saved as SVG files beside a notebook shown without running
  it (the assignments' releases).
"""
