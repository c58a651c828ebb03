: A point process whose variable others point at.
NEURON {
	POINT_PROCESS PtrSrc
	RANGE msg
	GLOBAL level
}
PARAMETER {
	msg = 4
	level = 7
}
