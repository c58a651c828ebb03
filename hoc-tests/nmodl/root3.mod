TITLE root3.mod: NONLINEAR blocks solved by Newton's method

NEURON {
	SUFFIX root3
	RANGE a, b
}

PARAMETER { a = 10 b = 2 }

STATE { u z }

FUNCTION solve_u(guess) {
	u = guess
	SOLVE cubic
	solve_u = u
}

FUNCTION solve_uz() {
	u = 1
	z = 1
	SOLVE pair
	solve_uz = u*1000 + z
}

NONLINEAR cubic {
	~ u*u*u + u = a
}

NONLINEAR pair SOLVEFOR u, z {
	~ u*z = a
	~ u + z*z = b + 5
}
