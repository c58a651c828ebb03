: C from a header beside the file (`#include "vheader.h"` in VERBATIM): a
: number it #defines is a constant of the NMODL code, a static variable it
: declares a variable the NMODL code reads and assigns (an int: truncated),
: a static array C code indexes.
NEURON { SUFFIX vheader RANGE x, y, n }
VERBATIM
#include "vheader.h"
ENDVERBATIM
PARAMETER { x = 10 }
ASSIGNED { y n }
INITIAL {
	counter = counter + 2.7
	n = counter
	y = log(x) / LN2
VERBATIM
	{ int k;
	y += CUBE(2.0);
	for (k = 0; k < 3; ++k) {
		weights[k] += k + 0.25;
		y += 100 * weights[k];
	}
	}
ENDVERBATIM
}
