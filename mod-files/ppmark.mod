: A point process that does nothing: it marks a location (shape plots and
: the GUI tools place one where a point is chosen).

NEURON {
	POINT_PROCESS PointProcessMark
}
